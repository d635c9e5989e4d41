package io.tunestream.worker;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.GradientCollector;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.model.StepScope;
import io.tunestream.worker.model.TokenBatch;
import io.tunestream.worker.train.AdamW;
import io.tunestream.worker.train.Losses;
import java.util.List;

/** One plain training step for tests: forward in training mode, cross-entropy, backward, AdamW. */
public final class Training {

    private Training() {}

    public static float step(AdaptedModel model, AdamW optimizer, List<long[]> sequences, long[] labels, double learningRate) {
        try (StepScope scope = model.openStep()) {
            NDList inputs = TokenBatch.of(scope.manager(), sequences);
            NDArray labelArray = scope.manager().create(labels);
            float loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray value = Losses.crossEntropy(model.logits(scope, inputs, true), labelArray);
                collector.backward(value);
                loss = value.getFloat();
            }
            optimizer.step(scope, learningRate);
            return loss;
        }
    }

    public static long[] labels(int count) {
        long[] labels = new long[count];
        for (int i = 0; i < count; i++) {
            labels[i] = i % 2;
        }
        return labels;
    }
}
