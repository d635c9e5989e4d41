package io.tunestream.cli;

import io.tunestream.worker.host.ComputeDevice;
import io.tunestream.worker.host.TrainingThreads;
import picocli.CommandLine.Option;

/**
 * {@code --device} and {@code --threads}: where a command that trains puts its tensors and how many threads libtorch
 * runs each operation on (docs/operations.md, "Devices" and "Threads").
 */
final class ComputeOptions {

    @Option(names = "--device", paramLabel = "DEVICE", description = "cpu, cuda or cuda:N (default: the engine's first GPU"
            + " if it sees one, else cpu).")
    String device;

    @Option(names = "--threads", paramLabel = "N", description = "Threads each libtorch operation runs on (default: the"
            + " cores this process may use, divided among the runs it trains at once).")
    Integer threads;

    /** The device asked for, checked against the ones the engine sees. */
    ComputeDevice device() {
        return ComputeDevice.parse(device);
    }

    /** Sets the threads for a process training {@code runs} runs at once; returns what it chose, for the log. */
    String applyThreads(int runs) {
        int chosen = TrainingThreads.apply(TrainingThreads.choose(threads, runs, TrainingThreads.cores()));
        return TrainingThreads.describe(chosen, threads != null, runs);
    }
}
