package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

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

    /**
     * Overwrites the values of an array in place, keeping its identity (and so its gradient flag): how a checkpoint is
     * restored into a model's parameters. Runs with autograd off, as PyTorch refuses in-place writes to a leaf that
     * requires grad otherwise. The values are copied through an indexed put over the whole array: DJL's
     * {@code set(Buffer)} swaps the tensor's storage under libtorch's deprecated {@code AutoNonVariableTypeMode}, which
     * prints a deprecation warning on every command that loads a checkpoint.
     */
    public static void assign(NDArray target, float[] values) {
        if (values.length != target.size()) {
            throw new IllegalArgumentException(
                    "cannot assign " + values.length + " values to an array of shape " + target.getShape());
        }
        try (GradMode off = GradMode.disabled();
                NDArray source = target.getManager().create(values, target.getShape())) {
            target.set(WHOLE, source);
        }
    }

    private static final NDIndex WHOLE = new NDIndex("...");

    /**
     * {@code x * factor}, safe under autograd. DJL's {@code NDArray.mul(Number)} wraps the scalar in a tensor over a
     * Java direct buffer and closes that wrapper right away; autograd keeps the tensor for the backward pass, and once
     * the garbage collector frees the buffer the backward reads freed memory (NaN gradients at random steps). A
     * scalar made by {@code full} lives in memory that libtorch owns and reference-counts. Use this, never
     * {@code mul(Number)} or {@code div(Number)}, on anything that needs a gradient.
     */
    public static NDArray scale(NDArray x, double factor) {
        return x.mul(x.getManager().full(new Shape(), (float) factor, x.getDataType()));
    }

    /** L2 norm of each row of a (rows, cols) matrix, as a (rows, 1) column. */
    public static NDArray rowNorm(NDArray matrix) {
        return matrix.square().sum(new int[] {1}, true).sqrt();
    }
}
