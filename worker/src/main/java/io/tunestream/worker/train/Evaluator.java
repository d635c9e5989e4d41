package io.tunestream.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.data.BatchPlan;
import io.tunestream.worker.data.EncodedDataset;
import io.tunestream.worker.model.GradMode;
import io.tunestream.worker.model.StepScope;
import io.tunestream.worker.model.TokenBatch;

/** Accuracy, macro-F1 and loss of a model on a labelled set, without dropout and without recording gradients. */
public final class Evaluator {

    private Evaluator() {}

    public static EvaluationResult evaluate(AdaptedModel model, EncodedDataset data, int batchSize) {
        long[][] counts = new long[2][2];
        double lossSum = 0;
        try (GradMode off = GradMode.disabled()) {
            for (int[] batch : BatchPlan.evaluation(data, batchSize)) {
                lossSum += evaluateBatch(model, data, batch, counts);
            }
        }
        return EvaluationResult.of(counts, lossSum);
    }

    /** Evaluates only the batch of the longest sentences, and forgets the result: the trainer's rehearsal. */
    public static void rehearse(AdaptedModel model, EncodedDataset data, int batchSize) {
        try (GradMode off = GradMode.disabled()) {
            evaluateBatch(model, data, BatchPlan.largest(data, BatchPlan.evaluation(data, batchSize)), new long[2][2]);
        }
    }

    /** Adds the batch's predictions to {@code counts} (label, prediction); returns its summed loss. */
    private static double evaluateBatch(AdaptedModel model, EncodedDataset data, int[] batch, long[][] counts) {
        try (StepScope scope = model.openStep()) {
            long[] labels = data.labels(batch);
            NDList inputs = TokenBatch.of(scope.manager(), data.tokenIds(batch));
            NDArray logits = model.logits(scope, inputs, false);
            NDArray labelArray = scope.manager().create(labels);
            double loss = Losses.crossEntropy(logits, labelArray).getFloat() * batch.length;
            long[] predictions = logits.argMax(1).toLongArray();
            for (int i = 0; i < batch.length; i++) {
                counts[(int) labels[i]][(int) predictions[i]]++;
            }
            return loss;
        }
    }
}
