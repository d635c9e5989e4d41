package io.tunestream.worker.train;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What one optimizer step measured; streamed for every step.
 *
 * @param step 1-based index of the step just taken
 * @param totalSteps steps the run will take
 * @param epoch 0-based epoch of the step
 * @param loss training loss of the batch
 * @param learningRate learning rate the step used
 * @param gradientNorm global gradient norm before clipping
 * @param samplesPerSecond examples of this step over its wall time
 * @param tokensPerSecond real (unpadded) tokens of this step over its wall time
 * @param stepMillis wall time of the step: forward, backward, clipping, update
 * @param batchSize examples in the step (all its micro-batches)
 * @param paddedTokens tokens computed (each micro-batch's size times its longest sentence, summed)
 * @param skipped whether the update was skipped: fp16 gradients overflowed ({@link LossScaler}), so the parameters
 *     did not change
 */
public record StepMetrics(
        long step,
        long totalSteps,
        int epoch,
        double loss,
        double learningRate,
        double gradientNorm,
        double samplesPerSecond,
        double tokensPerSecond,
        double stepMillis,
        int batchSize,
        long paddedTokens,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean skipped) {}
