package io.tunestream.cli;

import io.tunestream.schemas.IoErrors;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a command will write, checked before it does any work: a run must not train for an hour and then fail over
 * its output path. Each refusal names the option, the path and the reason in words.
 */
final class OutputPaths {

    private OutputPaths() {}

    /** Creates {@code directory} and its parents for the command to write into, or says why it cannot. */
    static Path directory(Path directory, String option) {
        try {
            if (Files.exists(directory) && !Files.isDirectory(directory)) {
                throw new IllegalArgumentException(option + " " + directory + ": it is a file, not a directory");
            }
            return Files.createDirectories(directory);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + directory + ": cannot create the directory: "
                    + IoErrors.reason(directory, e));
        }
    }

    /**
     * Checks that {@code directory} could be created (or is one), leaving nothing behind: for a command whose later
     * checks (its data, its model) may still refuse it.
     */
    static void checkDirectory(Path directory, String option) {
        List<Path> missing = missingAncestors(directory);
        directory(directory, option);
        deleteCreated(missing);
    }

    /** Checks that {@code file} can be written, leaving nothing behind where it did not exist. */
    static void checkFile(Path file, String option) {
        Path absolute = file.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            throw new IllegalArgumentException(option + " " + file + ": it is a directory; give a file name");
        }
        List<Path> missing = missingAncestors(absolute.getParent());
        directory(absolute.getParent(), option);
        boolean existed = Files.exists(absolute);
        try (OutputStream probe = Files.newOutputStream(absolute, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            probe.flush();
        } catch (IOException e) {
            deleteCreated(missing);
            throw new IllegalArgumentException(option + " " + file + ": cannot write it: " + IoErrors.reason(absolute, e));
        }
        if (!existed) {
            missing.add(0, absolute);
        }
        deleteCreated(missing);
    }

    /** {@code path} and its ancestors that do not exist, deepest first. */
    private static List<Path> missingAncestors(Path path) {
        List<Path> missing = new ArrayList<>();
        for (Path p = path.toAbsolutePath(); p != null && Files.notExists(p); p = p.getParent()) {
            missing.add(p);
        }
        return missing;
    }

    private static void deleteCreated(List<Path> created) {
        for (Path p : created) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // a folder this check made and cannot remove is empty and harmless
            }
        }
    }
}
