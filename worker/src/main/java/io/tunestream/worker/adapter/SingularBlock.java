package io.tunestream.worker.adapter;

import ai.djl.ndarray.NDArray;
import io.tunestream.worker.linalg.ThinSvd;
import java.util.List;

/**
 * A contiguous block of a frozen layer's SVD, singular directions {@code from..to-1}: U columns (out, n), singular
 * values (n) and V^T rows (n, in), held as constant arrays. The SVD-based adapters read and write the layer through
 * such blocks: V^T rows project an input onto the block's right singular directions, U columns map block
 * coordinates back to the output space.
 */
public record SingularBlock(NDArray u, NDArray values, NDArray vTransposed) {

    public static SingularBlock of(ThinSvd svd, int from, int to, AdapterContext context) {
        return new SingularBlock(
                context.array(svd.uColumns(from, to)),
                context.array(svd.values(from, to)),
                context.array(svd.vColumns(from, to).transpose()));
    }

    /** {@code U_block diag(d) V_block^T} for a vector d (n): the dense (out, in) matrix of a change of singular values. */
    public NDArray dense(NDArray diagonal) {
        return u.mul(diagonal).matMul(vTransposed);
    }

    /** The arrays, for {@link io.tunestream.worker.model.ModelBlock#buffers()}. */
    public List<NDArray> arrays() {
        return List.of(u, values, vTransposed);
    }
}
