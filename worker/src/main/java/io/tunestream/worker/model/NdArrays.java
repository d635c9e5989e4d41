package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import io.tunestream.worker.tensor.HostTensor;

/** Small array helpers the engine does not offer in the form the model needs. */
public final class NdArrays {

    private NdArrays() {}

    /**
     * Copies values into a new array of the same type owned by {@code manager}, with no gradient history. Goes through
     * host memory, so it is meant for set-up and merging, not for the training step.
     */
    public static NDArray copy(NDArray source, NDManager manager) {
        NDArray copied = manager.create(floats(source), source.getShape());
        if (copied.getDataType() == source.getDataType()) {
            return copied;
        }
        try (copied) {
            return copied.toType(source.getDataType(), false);
        }
    }

    /** The values of a floating-point array of any width, as floats in host memory. */
    public static float[] floats(NDArray array) {
        return HostTensor.of(array).values();
    }

    /**
     * {@code x} as {@code type}. With autograd recording, the conversion is an operation autograd records, so gradients
     * flow through it (back in x's type): DJL's {@code toType} converts under libtorch's no-grad guard, and its
     * result has no history. The recorded form is a cumulative product over a new axis of length one, which
     * libtorch computes in a requested type; it is an identity otherwise.
     */
    public static NDArray cast(NDArray x, DataType type) {
        if (x.getDataType() == type) {
            return x;
        }
        if (!GradMode.recording()) {
            return x.toType(type, false);
        }
        return x.expandDims(-1).cumProd(-1, type).squeeze(-1);
    }

    /**
     * {@code y = x W^T + b} in x's type: weight and bias are converted to it first (mixed precision: trainable
     * parameters are float32 while activations may be float16, docs/worker.md#precision). {@code bias} may be null.
     */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        DataType type = x.getDataType();
        return Linear.linear(x, cast(weight, type), bias == null ? null : cast(bias, type)).singletonOrThrow();
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
