package io.tunestream.worker.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.tunestream.worker.model.GradMode;
import io.tunestream.worker.model.NdArrays;
import java.util.function.Supplier;

/**
 * DoRA's magnitude/direction form (DoRA paper sec. 4.1): {@code W' = m * V / ||V||_row} with {@code V = W + dW}.
 * Shared by {@code dora}, {@code edora} and {@code salt_edora} in polar mode. The row norm is detached from the
 * gradient, as the paper's sec. 4.3 prescribes: it is treated as a constant in the backward pass.
 */
public final class WeightDecomposition {

    private WeightDecomposition() {}

    /**
     * The layer output {@code b + (m / ||V||_row) * directional}, where {@code directional = x V^T} (..., out).
     * V is built and normed with autograd off: the norm is a constant of the backward pass, so recording the
     * operations that make it would only cost time and memory.
     *
     * @param directional {@code x V^T}, shape (..., out)
     * @param magnitude m, shape (out)
     * @param updatedWeight makes V, shape (out, in)
     * @param bias b, shape (out)
     */
    public static NDArray output(NDArray directional, NDArray magnitude, Supplier<NDArray> updatedWeight, NDArray bias) {
        NDArray norm;
        try (GradMode off = GradMode.disabled()) {
            // in float32: V may hold float16 frozen weights (docs/worker.md#precision)
            norm = NdArrays.rowNorm(NdArrays.cast(updatedWeight.get(), DataType.FLOAT32)).reshape(-1);
        }
        DataType type = directional.getDataType();
        return directional.mul(NdArrays.cast(magnitude.div(norm), type)).add(NdArrays.cast(bias, type));
    }

    /** The merged dense weight {@code m * V / ||V||_row}, shape (out, in). */
    public static NDArray merged(NDArray magnitude, NDArray updatedWeight) {
        return updatedWeight.mul(magnitude.reshape(-1, 1).div(NdArrays.rowNorm(updatedWeight)));
    }
}
