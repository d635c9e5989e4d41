package io.tunestream.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.data.Batch;
import io.tunestream.worker.model.GradMode;
import io.tunestream.worker.model.StepScope;
import io.tunestream.worker.model.TokenBatch;
import java.util.List;

/**
 * One optimizer step on one batch, or on its micro-batches with gradient accumulation: forward in training mode, the
 * task's loss (cross-entropy or squared error), backward, gradient clipping, AdamW.
 * The trainer, the benchmark and the tests all step through here.
 *
 * @param loss the batch's training loss
 * @param gradientNorm the global gradient norm before clipping
 */
public record OptimizerStep(double loss, double gradientNorm) {

    public static OptimizerStep run(AdaptedModel model, AdamW optimizer, List<long[]> tokenIds, long[] labels,
            double learningRate, double gradientClip) {
        return run(model, optimizer, Batch.classification(tokenIds, labels), learningRate, gradientClip);
    }

    public static OptimizerStep run(AdaptedModel model, AdamW optimizer, Batch batch, double learningRate,
            double gradientClip) {
        return run(model, optimizer, List.of(batch), learningRate, gradientClip);
    }

    /**
     * One optimizer step over the micro-batches of one batch (gradient accumulation): each micro-batch's forward and
     * backward in turn, its activations freed before the next, its loss weighted by its share of the examples, so that
     * the accumulated gradient is the whole batch's mean-loss gradient; then clipping and AdamW once. Returns the
     * whole batch's loss.
     */
    public static OptimizerStep run(AdaptedModel model, AdamW optimizer, List<Batch> microBatches, double learningRate,
            double gradientClip) {
        double loss = accumulate(model, microBatches, DeviceMemory.ENGINE);
        double gradientNorm = optimizer.step(learningRate, gradientClip);
        return new OptimizerStep(loss, gradientNorm);
    }

    /**
     * The forward and backward passes of a step's micro-batches, their gradients added up in the parameters for the
     * optimizer's step; returns the whole batch's loss. A failure leaves partial gradients: clear them before retrying.
     */
    public static double accumulate(AdaptedModel model, List<Batch> microBatches, DeviceMemory memory) {
        return accumulate(model, microBatches, memory, 1);
    }

    /**
     * As {@link #accumulate(AdaptedModel, List, DeviceMemory)}, back-propagating the loss multiplied by
     * {@code lossScale} ({@link LossScaler}); the loss returned is not scaled.
     */
    public static double accumulate(AdaptedModel model, List<Batch> microBatches, DeviceMemory memory, double lossScale) {
        int examples = microBatches.stream().mapToInt(Batch::size).sum();
        double loss = 0;
        for (Batch micro : microBatches) {
            double share = (double) micro.size() / examples;
            try (StepScope scope = model.openStep()) {
                memory.reserve(micro);
                loss += share * forwardBackward(model, scope, micro, share * lossScale);
            }
        }
        return loss;
    }

    /**
     * A step's forward and backward pass without its update: the gradients are cleared afterwards and no parameter
     * or optimizer state changes. The trainer rehearses its largest batch this way before the first step.
     */
    public static void rehearse(AdaptedModel model, AdamW optimizer, List<long[]> tokenIds, long[] labels) {
        rehearse(model, optimizer, Batch.classification(tokenIds, labels));
    }

    public static void rehearse(AdaptedModel model, AdamW optimizer, Batch batch) {
        rehearse(model, optimizer, batch, DeviceMemory.ENGINE);
    }

    public static void rehearse(AdaptedModel model, AdamW optimizer, Batch batch, DeviceMemory memory) {
        try (StepScope scope = model.openStep()) {
            memory.reserve(batch);
            forwardBackward(model, scope, batch, 1);
        } finally {
            optimizer.clearGradients();
        }
    }

    /**
     * Forward in training mode, the loss and backward of the loss times {@code weight} (the gradients add up in the
     * parameters until the optimizer step clears them); returns the unweighted loss.
     */
    private static float forwardBackward(AdaptedModel model, StepScope scope, Batch batch, double weight) {
        NDList inputs = TokenBatch.of(scope.manager(), batch.tokenIds(), batch.typeIds());
        try (GradMode recording = GradMode.enabled()) {
            NDArray value = Losses.of(model.logits(scope, inputs, true), batch, scope.manager());
            GradMode.backward(weight == 1 ? value : value.mul((float) weight));
            return value.getFloat();
        }
    }
}
