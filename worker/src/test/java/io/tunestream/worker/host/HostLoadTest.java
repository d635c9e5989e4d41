package io.tunestream.worker.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The threads a training process takes, and the host's runnable threads as the kernel counts them. */
class HostLoadTest {

    @Test
    void theCoresAreDividedAmongTheRunsUnlessTheThreadsAreGiven() {
        assertEquals(2, TrainingThreads.choose(null, 1, 2));
        assertEquals(1, TrainingThreads.choose(null, 2, 2));
        assertEquals(1, TrainingThreads.choose(null, 4, 2), "at least one");
        assertEquals(4, TrainingThreads.choose(null, 4, 16));
        assertEquals(3, TrainingThreads.choose(3, 4, 2), "as given");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> TrainingThreads.choose(0, 1, 2));
        assertEquals("--threads must be at least 1, got 0", refused.getMessage());
    }

    @Test
    void theAverageIsTakenOverAFullWindowOfSamplesLessTheReader(@TempDir Path dir) throws Exception {
        Path stat = dir.resolve("stat");
        HostLoad load = new HostLoad(stat, 3);
        for (int running : new int[] {3, 5}) {
            Files.writeString(stat, "cpu  1 2 3\nprocs_running " + running + "\nprocs_blocked 0\n");
            assertTrue(load.sample().isEmpty(), "the window is not full");
        }
        Files.writeString(stat, "cpu  1 2 3\nprocs_running 8\nprocs_blocked 0\n");
        assertEquals(OptionalDouble.of((2 + 4 + 7) / 3.0), load.sample());
        Files.writeString(stat, "no such line\n");
        assertTrue(load.sample().isEmpty(), "unreadable");
        load.reset();
        assertTrue(load.average().isEmpty());
    }

    /** Spinning threads, three per core, are counted by the kernel: the real /proc/stat shows more than the cores. */
    @Test
    void busyThreadsShowInTheKernelsCount() throws Exception {
        int cores = TrainingThreads.cores();
        java.util.concurrent.atomic.AtomicBoolean spinning = new java.util.concurrent.atomic.AtomicBoolean(true);
        for (int i = 0; i < 3 * cores; i++) {
            Thread spinner = new Thread(() -> {
                while (spinning.get()) {
                    Thread.onSpinWait();
                }
            });
            spinner.setDaemon(true);
            spinner.start();
        }
        try {
            HostLoad load = new HostLoad(10);
            OptionalDouble average = OptionalDouble.empty();
            for (int i = 0; i < 10; i++) {
                Thread.sleep(50);
                average = load.sample();
            }
            assertTrue(average.isPresent() && average.getAsDouble() > cores, "runnable " + average + " on " + cores + " cores");
        } finally {
            spinning.set(false);
        }
    }
}
