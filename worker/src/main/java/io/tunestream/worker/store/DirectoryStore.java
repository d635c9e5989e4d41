package io.tunestream.worker.store;

import io.tunestream.schemas.CheckpointRetention;
import io.tunestream.schemas.IoErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The store as a directory that every worker mounts under the same path (NFS, EFS, a ReadWriteMany volume; on one
 * machine a local directory). A run's working directory is its directory in the store, and a checkpoint is committed
 * by the atomic rename that writes it ({@code TrainingCheckpoint}), so the commits here have nothing left to do.
 */
public final class DirectoryStore implements CheckpointStore {

    private static final String ATTEMPT_FILE = "attempt";

    private final Path root;

    public DirectoryStore(Path root) {
        this.root = root;
    }

    /** The store of a single run directory that nothing else writes to (the CLI's {@code train --out}). */
    public static RunStore runAt(Path directory) {
        return new Run(directory);
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public RunStore run(String runId) {
        return new Run(root.resolve(runId));
    }

    @Override
    public void check() {
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create the checkpoint store " + root + ": " + IoErrors.reason(root, e), e);
        }
    }

    @Override
    public void close() {}

    private record Run(Path directory) implements RunStore {

        @Override
        public Path workingDirectory() {
            return directory;
        }

        @Override
        public String location() {
            return directory.toAbsolutePath().toString();
        }

        @Override
        public void restore(Duration patience) {
            // the working directory is the store's
        }

        @Override
        public void takeOver(int attempt) {
            try {
                Files.createDirectories(directory);
                Path fresh = Files.createTempFile(directory, ATTEMPT_FILE, ".tmp");
                Files.writeString(fresh, Integer.toString(attempt), StandardCharsets.UTF_8);
                Files.move(fresh, directory.resolve(ATTEMPT_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot record attempt " + attempt + " in " + directory + ": "
                        + IoErrors.reason(directory, e), e);
            }
        }

        @Override
        public boolean ownedBy(int attempt) {
            Path file = directory.resolve(ATTEMPT_FILE);
            if (!Files.isRegularFile(file)) {
                // no owner recorded (or no run directory at all, e.g. a file in its place): nobody newer owns it
                return true;
            }
            try {
                return Integer.parseInt(Files.readString(file, StandardCharsets.UTF_8).trim()) == attempt;
            } catch (IOException | NumberFormatException e) {
                return false;
            }
        }

        @Override
        public void commitFile(String name, Duration patience) {
            // written in place
        }

        @Override
        public void commitCheckpoints(Duration patience) {
            // renamed into place when written
        }

        @Override
        public void retain(CheckpointRetention keep, Duration patience) {
            try {
                if (keep != CheckpointRetention.ALL) {
                    deleteRecursively(directory.resolve("checkpoints").resolve("latest"));
                }
                if (keep == CheckpointRetention.NONE) {
                    deleteRecursively(directory.resolve("checkpoints").resolve("best"));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the checkpoints of " + directory + ": " + IoErrors.reason(directory, e), e);
            }
        }

        @Override
        public String publish(Path exported, String name, Duration patience) {
            Path destination = directory.resolve("export").resolve(name);
            if (exported.toAbsolutePath().normalize().equals(destination.toAbsolutePath().normalize())) {
                return destination.toAbsolutePath().toString();
            }
            try {
                deleteRecursively(destination);
                Files.createDirectories(destination);
                try (Stream<Path> files = Files.walk(exported)) {
                    for (Path file : files.filter(Files::isRegularFile).toList()) {
                        Path target = destination.resolve(exported.relativize(file).toString());
                        Files.createDirectories(target.getParent());
                        Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                return destination.toAbsolutePath().toString();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot publish " + exported + " to " + destination + ": "
                        + IoErrors.reason(destination, e), e);
            }
        }
    }

    /** Deletes {@code path} and everything below it; nothing when it does not exist. */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
