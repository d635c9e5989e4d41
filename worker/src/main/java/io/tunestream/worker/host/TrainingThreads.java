package io.tunestream.worker.host;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * How many threads libtorch runs each operation on (its intra-op threads, docs/operations.md "Threads"). By default a
 * training process takes the cores it may use, divided among the runs it trains at once: libtorch's own default is
 * every core of the machine, and training processes that each take every core slow each other down by far more than
 * their share (about 45x for five on two cores).
 */
public final class TrainingThreads {

    private TrainingThreads() {}

    /** The cores this process may use: the machine's, or fewer under a CPU quota or an affinity mask. */
    public static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * The intra-op threads for a process training {@code runs} runs at once on {@code cores} cores: {@code requested}
     * when given, else the cores divided among the runs, at least one.
     */
    public static int choose(Integer requested, int runs, int cores) {
        if (requested != null) {
            if (requested < 1) {
                throw new IllegalArgumentException("--threads must be at least 1, got " + requested);
            }
            return requested;
        }
        return Math.max(1, cores / Math.max(1, runs));
    }

    /**
     * Sets libtorch's intra-op threads for the process (every thread that trains takes the setting) and returns how
     * many it runs on now.
     */
    public static int apply(int threads) {
        Engine.getInstance();
        JniUtils.setNumThreads(threads);
        return JniUtils.getNumThreads();
    }

    /** "2 intra-op threads per run (the 2 cores this process may use, divided among 1 run)", for the log. */
    public static String describe(int threads, boolean requested, int runs) {
        return threads + " intra-op thread" + (threads == 1 ? "" : "s") + " per run (" + (requested ? "--threads"
                : "the " + cores() + " cores this process may use, divided among " + runs + " run" + (runs == 1 ? "" : "s"))
                + ")";
    }
}
