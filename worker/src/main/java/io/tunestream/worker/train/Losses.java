package io.tunestream.worker.train;

import ai.djl.ndarray.NDArray;

/** Training objectives. */
public final class Losses {

    private Losses() {}

    /** Mean cross-entropy of logits (B, C) against integer labels (B). */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        int classes = Math.toIntExact(logits.getShape().get(1));
        return logits.logSoftmax(1).mul(labels.oneHot(classes)).sum(new int[] {1}).neg().mean();
    }
}
