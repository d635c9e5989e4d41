package io.tunestream.worker.adapter.saltedora;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.tunestream.worker.adapter.AdaptedProjection;
import io.tunestream.worker.adapter.AdapterContext;
import io.tunestream.worker.adapter.SingularBlock;
import io.tunestream.worker.adapter.TailMode;
import io.tunestream.worker.adapter.WeightDecomposition;
import io.tunestream.worker.linalg.ThinSvd;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.NdArrays;
import java.util.ArrayList;
import java.util.List;

/**
 * The hybrid update on a frozen layer with thin SVD {@code W = U diag(s) V^T}:
 * {@code delta(x) = ((x V_top) * (s_top * alpha + beta)) U_top^T + ((x V_bot) R^T) U_bot^T}, where top are the r
 * largest and bot the r smallest singular directions. Requiring {@code 2r <= k} keeps the blocks disjoint; the
 * middle of the spectrum stays frozen inside W (the notebook's first cell printed False for
 * {@code W == W_top + W_bot} because the blocks do not cover the spectrum, which is expected).
 *
 * <ul>
 *   <li>{@code free}: {@code y = x W^T + b + delta(x)} (the notebook's {@code tail_mode='free'});
 *   <li>{@code polar}: the notebook's unimplemented mode, DoRA's split of {@code W + dW}:
 *       {@code y = b + (m / ||W + dW||_row) * (x W^T + delta(x))}, m (out) starting at {@code ||W||_row}.
 * </ul>
 *
 * <p>alpha, beta (r) and R (r, r) start at zero: the identity at initialisation.
 */
public final class SaltEdoraLinear extends AdaptedProjection {

    private final SingularBlock top;
    private final SingularBlock bottom;
    private final Parameter alpha;
    private final Parameter beta;
    private final Parameter core;
    private final Parameter magnitude;

    SaltEdoraLinear(DenseLinear base, AdapterContext context) {
        super(base, context.options().dropout());
        int r = context.options().rank();
        ThinSvd svd = context.svd();
        int k = svd.rank();
        this.top = SingularBlock.of(svd, 0, r, context);
        this.bottom = SingularBlock.of(svd, k - r, k, context);
        this.alpha = trainable("salt_alpha", context.zeros(r));
        this.beta = trainable("salt_beta", context.zeros(r));
        this.core = trainable("edora_R", context.zeros(r, r));
        this.magnitude = context.options().tailMode() == TailMode.POLAR ? trainable("magnitude", context.rowNorms(base)) : null;
    }

    @Override
    protected List<NDArray> buffers() {
        List<NDArray> arrays = new ArrayList<>(top.arrays());
        arrays.addAll(bottom.arrays());
        return arrays;
    }

    /** {@code s_top * alpha + beta}, shape (r). */
    private NDArray topChange(NDArray alphaValue, NDArray betaValue) {
        return top.values().mul(alphaValue).add(betaValue);
    }

    @Override
    protected NDArray forward(ParameterStore store, NDArray x, boolean training) {
        NDArray in = adapterInput(x, training);
        NDArray alphaValue = value(store, alpha, x, training);
        NDArray betaValue = value(store, beta, x, training);
        NDArray coreValue = value(store, core, x, training);
        // both blocks as one rank-2r update, two thin products per token as in LoRA:
        // down (2r, in) = [V_top^T ; R V_bot^T], up (out, 2r) = [U_top diag(s_top alpha + beta), U_bot]
        NDArray down = top.vTransposed().concat(coreValue.matMul(bottom.vTransposed()), 0);
        NDArray up = top.u().mul(topChange(alphaValue, betaValue)).concat(bottom.u(), 1);
        NDArray delta = NdArrays.linear(NdArrays.linear(in, down, null), up, null);
        if (magnitude == null) {
            return frozenOutput(store, x, training).add(delta);
        }
        NDArray w = value(store, base.weight(), x, training);
        NDArray directional = NdArrays.linear(x, w, null).add(delta);
        return WeightDecomposition.output(directional, value(store, magnitude, x, training),
                () -> w.add(weightChange(alphaValue, betaValue, coreValue)), value(store, base.bias(), x, training));
    }

    /** dW = U_top diag(s_top alpha + beta) V_top^T + U_bot R V_bot^T, shape (out, in). */
    private NDArray weightChange(NDArray alphaValue, NDArray betaValue, NDArray coreValue) {
        NDArray bottomChange = bottom.u().matMul(coreValue).matMul(bottom.vTransposed());
        return top.dense(topChange(alphaValue, betaValue)).add(bottomChange);
    }

    @Override
    protected NDArray effectiveWeight() {
        NDArray updated = base.weight().getArray().add(weightChange(alpha.getArray(), beta.getArray(), core.getArray()));
        return magnitude == null ? updated : WeightDecomposition.merged(magnitude.getArray(), updated);
    }
}
