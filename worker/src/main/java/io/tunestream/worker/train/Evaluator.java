package io.tunestream.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.data.Batch;
import io.tunestream.worker.data.BatchPlan;
import io.tunestream.worker.data.EncodedDataset;
import io.tunestream.worker.model.GradMode;
import io.tunestream.worker.model.StepScope;
import io.tunestream.worker.model.TokenBatch;
import io.tunestream.worker.task.MetricValues;
import io.tunestream.worker.task.Task;
import java.util.List;

/**
 * A model's metrics and loss on evaluation sets, computed over each whole set (docs/tasks.md, "Metrics"), without
 * dropout and without recording gradients.
 */
public final class Evaluator {

    private Evaluator() {}

    /** The metrics of the first set, with those of every further set named after it ({@link EvaluationResult}). */
    public static EvaluationResult evaluate(AdaptedModel model, Task task, List<EvaluationSet> sets, int batchSize) {
        EvaluationResult result = evaluate(model, task, sets.get(0).data(), batchSize);
        for (EvaluationSet other : sets.subList(1, sets.size())) {
            result = result.withSplit(other.name(), evaluate(model, task, other.data(), batchSize));
        }
        return result;
    }

    public static EvaluationResult evaluate(AdaptedModel model, Task task, EncodedDataset data, int batchSize) {
        int n = data.size();
        double[] targets = new double[n];
        double[] predictions = new double[n];
        double lossSum = 0;
        int position = 0;
        try (GradMode off = GradMode.disabled()) {
            for (int[] indices : BatchPlan.evaluation(data, batchSize)) {
                Batch batch = data.batch(indices);
                try (StepScope scope = model.openStep()) {
                    NDArray outputs = forward(model, scope, batch);
                    lossSum += Losses.of(outputs, batch, scope.manager()).getFloat() * indices.length;
                    float[] predicted = batch.isRegression()
                            ? outputs.reshape(-1).toFloatArray()
                            : toFloats(outputs.argMax(1).toLongArray());
                    for (int i = 0; i < indices.length; i++) {
                        targets[position] = batch.isRegression() ? batch.targets()[i] : batch.classes()[i];
                        predictions[position] = predicted[i];
                        position++;
                    }
                }
            }
        }
        var metrics = task.isRegression()
                ? MetricValues.regression(task, targets, predictions)
                : MetricValues.classification(task, toInts(targets), toInts(predictions));
        return new EvaluationResult(metrics, task.metric().id(), n == 0 ? 0 : lossSum / n, n);
    }

    /** Evaluates only the batch of the longest examples, and forgets the result: the trainer's rehearsal. */
    public static void rehearse(AdaptedModel model, EncodedDataset data, int batchSize) {
        try (GradMode off = GradMode.disabled();
                StepScope scope = model.openStep()) {
            Batch batch = data.batch(BatchPlan.largest(data, BatchPlan.evaluation(data, batchSize)));
            Losses.of(forward(model, scope, batch), batch, scope.manager()).getFloat();
        }
    }

    private static NDArray forward(AdaptedModel model, StepScope scope, Batch batch) {
        NDList inputs = TokenBatch.of(scope.manager(), batch.tokenIds(), batch.typeIds());
        return model.logits(scope, inputs, false);
    }

    private static float[] toFloats(long[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = values[i];
        }
        return floats;
    }

    private static int[] toInts(double[] values) {
        int[] ints = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            ints[i] = (int) values[i];
        }
        return ints;
    }
}
