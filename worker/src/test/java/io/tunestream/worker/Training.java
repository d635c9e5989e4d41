package io.tunestream.worker;

import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.train.AdamW;
import io.tunestream.worker.train.OptimizerStep;
import java.util.List;

/** Training helpers for tests. */
public final class Training {

    private Training() {}

    /** One unclipped optimizer step; returns the loss. */
    public static float step(AdaptedModel model, AdamW optimizer, List<long[]> sequences, long[] labels, double learningRate) {
        return (float) OptimizerStep.run(model, optimizer, sequences, labels, learningRate, 0).loss();
    }

    public static long[] labels(int count) {
        long[] labels = new long[count];
        for (int i = 0; i < count; i++) {
            labels[i] = i % 2;
        }
        return labels;
    }
}
