package io.tunestream.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.data.BatchPlan;
import io.tunestream.worker.data.EncodedDataset;
import io.tunestream.worker.model.GradMode;
import io.tunestream.worker.model.StepScope;
import io.tunestream.worker.model.TokenBatch;
import java.util.ArrayList;
import java.util.List;

/** Accuracy, macro-F1 and loss of a model on a labelled set, without dropout and without recording gradients. */
public final class Evaluator {

    private Evaluator() {}

    public static EvaluationResult evaluate(AdaptedModel model, EncodedDataset data, int batchSize) {
        long[][] counts = new long[2][2];
        double lossSum = 0;
        try (GradMode off = GradMode.disabled()) {
            for (int[] batch : BatchPlan.evaluation(data, batchSize)) {
                try (StepScope scope = model.openStep()) {
                    List<long[]> ids = new ArrayList<>(batch.length);
                    long[] labels = new long[batch.length];
                    for (int i = 0; i < batch.length; i++) {
                        ids.add(data.tokenIds(batch[i]));
                        labels[i] = data.label(batch[i]);
                    }
                    NDList inputs = TokenBatch.of(scope.manager(), ids);
                    NDArray logits = model.logits(scope, inputs, false);
                    NDArray labelArray = scope.manager().create(labels);
                    lossSum += Losses.crossEntropy(logits, labelArray).getFloat() * batch.length;
                    long[] predictions = logits.argMax(1).toLongArray();
                    for (int i = 0; i < batch.length; i++) {
                        counts[(int) labels[i]][(int) predictions[i]]++;
                    }
                }
            }
        }
        return EvaluationResult.of(counts, lossSum);
    }
}
