package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Small array helpers the engine does not offer in the form the model needs. */
public final class NdArrays {

    private NdArrays() {}

    /**
     * Copies values into a new array owned by {@code manager}, with no gradient history. Goes through host
     * memory, so it is meant for set-up and merging, not for the training step.
     */
    public static NDArray copy(NDArray source, NDManager manager) {
        return manager.create(source.toFloatArray(), source.getShape());
    }

    /** L2 norm of each row of a (rows, cols) matrix, as a (rows, 1) column. */
    public static NDArray rowNorm(NDArray matrix) {
        return matrix.square().sum(new int[] {1}, true).sqrt();
    }
}
