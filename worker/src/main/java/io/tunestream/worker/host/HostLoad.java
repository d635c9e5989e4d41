package io.tunestream.worker.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * How busy the host's cores are: the threads ready to run, as the kernel counts them ({@code procs_running} in
 * /proc/stat, all processes', the reader's own thread included), averaged over the last few samples. More runnable
 * threads than cores, held for a while, means training processes are sharing cores (docs/operations.md, "Threads").
 */
public final class HostLoad {

    private static final Path STAT = Path.of("/proc/stat");

    private final Path stat;
    private final int window;
    private final Deque<Integer> samples = new ArrayDeque<>();

    /** The host's load over the last {@code window} samples. */
    public HostLoad(int window) {
        this(STAT, window);
    }

    HostLoad(Path stat, int window) {
        this.stat = stat;
        this.window = window;
    }

    /** Runnable threads now, from {@code procs_running}; empty where /proc/stat cannot be read (not Linux). */
    public static OptionalInt runnable(Path stat) {
        try {
            for (String line : Files.readAllLines(stat)) {
                if (line.startsWith("procs_running ")) {
                    return OptionalInt.of(Integer.parseInt(line.substring("procs_running ".length()).strip()));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or a /proc this code does not know: no reading
        }
        return OptionalInt.empty();
    }

    /** Takes one sample; returns the average runnable threads over the window so far, not counting the reader. */
    public synchronized OptionalDouble sample() {
        OptionalInt now = runnable(stat);
        if (now.isEmpty()) {
            return OptionalDouble.empty();
        }
        samples.addLast(Math.max(0, now.getAsInt() - 1));
        while (samples.size() > window) {
            samples.removeFirst();
        }
        return average();
    }

    /** The average over the window, once the window is full. */
    public synchronized OptionalDouble average() {
        if (samples.size() < window) {
            return OptionalDouble.empty();
        }
        return samples.stream().mapToInt(Integer::intValue).average();
    }

    /** Forgets the samples (between runs: an idle worker's host may be busy with anything). */
    public synchronized void reset() {
        samples.clear();
    }
}
