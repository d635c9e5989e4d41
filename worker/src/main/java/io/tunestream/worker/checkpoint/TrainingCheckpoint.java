package io.tunestream.worker.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.schemas.IoErrors;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.tensor.Safetensors;
import io.tunestream.worker.train.AdamW;
import io.tunestream.worker.train.TrainingState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Everything a stopped run needs to continue as if it had never stopped, in one directory: the trainable parameters
 * ({@code adapter.safetensors}), the AdamW moments ({@code optimizer.safetensors}) and the {@link TrainingState}
 * ({@code state.json}; the schedule, data position and dropout seed follow from its step). A checkpoint is written
 * beside its destination and renamed into place, so a crash mid-write leaves the previous one readable.
 */
public final class TrainingCheckpoint {

    static final String ADAPTER = "adapter.safetensors";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String STATE = "state.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainingCheckpoint() {}

    public static void save(Path directory, AdaptedModel model, AdamW optimizer, TrainingState state) {
        // a staging directory of this save's own: an attempt that was superseded while it wrote cannot share one
        Path staging = directory.resolveSibling(directory.getFileName() + ".staging-" + UUID.randomUUID());
        Path previous = directory.resolveSibling(directory.getFileName() + ".previous");
        try {
            Files.createDirectories(staging);
            AdapterCheckpoint.save(model, staging.resolve(ADAPTER));
            if (optimizer != null) {
                Safetensors.write(staging.resolve(OPTIMIZER), optimizer.state(), Map.of("steps", Long.toString(optimizer.steps())));
            }
            JSON.writeValue(staging.resolve(STATE).toFile(), state);
            if (Files.exists(directory)) {
                // only while a whole checkpoint is in place: a crash between the two renames leaves .previous alone
                deleteRecursively(previous);
                Files.move(directory, previous, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(staging, directory, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(previous);
        } catch (IOException e) {
            try {
                deleteRecursively(staging);
            } catch (IOException ignored) {
                // the failure below says what went wrong; a leftover staging directory is never read
            }
            throw new UncheckedIOException("cannot write checkpoint " + directory + ": " + IoErrors.reason(directory, e), e);
        }
    }

    /** The checkpoint at {@code directory}, or the one a crash during its replacement left beside it. */
    public static Optional<Path> find(Path directory) {
        Path previous = directory.resolveSibling(directory.getFileName() + ".previous");
        for (Path candidate : new Path[] {directory, previous}) {
            if (Files.isRegularFile(candidate.resolve(STATE)) && Files.isRegularFile(candidate.resolve(ADAPTER))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Restores the model's trainable parameters and, when given, the optimizer; returns the saved state. */
    public static TrainingState load(Path directory, AdaptedModel model, AdamW optimizer) {
        try {
            AdapterCheckpoint.load(model, directory.resolve(ADAPTER));
            TrainingState state = JSON.readValue(directory.resolve(STATE).toFile(), TrainingState.class);
            if (optimizer != null) {
                Safetensors.Contents contents = Safetensors.read(directory.resolve(OPTIMIZER));
                optimizer.restore(contents.tensors(), Long.parseLong(contents.metadata().getOrDefault("steps", "0")));
            }
            return state;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + directory + ": " + IoErrors.reason(directory, e), e);
        }
    }

    static void deleteRecursively(Path path) throws IOException {
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
