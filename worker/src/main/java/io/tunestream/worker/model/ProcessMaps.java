package io.tunestream.worker.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The lines of {@code /proc/self/maps} (Linux): which files, preloaded libraries among them, this process maps.
 * Empty where it cannot be read.
 */
final class ProcessMaps {

    private ProcessMaps() {}

    static List<String> lines() {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps"));
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }
}
