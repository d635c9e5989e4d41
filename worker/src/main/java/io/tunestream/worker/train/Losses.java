package io.tunestream.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tunestream.worker.data.Batch;

/** Training objectives: the task decides which (docs/tasks.md, "Task kinds"). */
public final class Losses {

    private Losses() {}

    /** The batch's loss: cross-entropy against its class ids, or mean squared error against its targets. */
    public static NDArray of(NDArray outputs, Batch batch, NDManager manager) {
        return batch.isRegression()
                ? meanSquaredError(outputs, manager.create(batch.targets()))
                : crossEntropy(outputs, manager.create(batch.classes()));
    }

    /** Mean cross-entropy of logits (B, C) against integer labels (B). */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        int classes = Math.toIntExact(logits.getShape().get(1));
        return logits.logSoftmax(1).mul(labels.oneHot(classes)).sum(new int[] {1}).neg().mean();
    }

    /** Mean squared error of predictions (B, 1) against targets (B), as HuggingFace's regression head computes it. */
    public static NDArray meanSquaredError(NDArray predictions, NDArray targets) {
        return predictions.reshape(-1).sub(targets).square().mean();
    }
}
