package io.tunestream.worker.adapter.salt;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.tunestream.worker.adapter.AdaptedProjection;
import io.tunestream.worker.adapter.AdapterContext;
import io.tunestream.worker.adapter.SingularBlock;
import io.tunestream.worker.linalg.ThinSvd;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.NdArrays;
import java.util.ArrayList;
import java.util.List;

/**
 * SALT on a frozen layer with thin SVD {@code W = U diag(s) V^T}, {@code k = min(out, in)}:
 * {@code W' = U_top diag(relu(a * s_top + c)) V_top^T + U_rest (S_rest + X Y) V_rest^T}.
 *
 * <p>Only the difference to W is computed, in factored form: {@code (x V_top) diag(relu(a s + c) - s) U_top^T} for
 * the top block and {@code (x (Y V_rest^T)^T) (U_rest X)^T} for the rest, both as one rank-2r product, so no dense
 * weight is rebuilt per token (the notebook rebuilt {@code U diag V^T} on every forward). The SALT paper's code applies relu to the whole
 * adapted block; here it applies to the adapted top singular values, which keeps them non-negative while the
 * rest block stays an unconstrained low-rank update.
 *
 * <p>Shapes: a, c (r), start at 1 and 0; X (k-r, r) kaiming-uniform; Y (r, k-r) zeros. At initialisation
 * {@code relu(s) - s = 0} (singular values are non-negative) and {@code X Y = 0}: the identity.
 */
public final class SaltLinear extends AdaptedProjection {

    private final SingularBlock top;
    private final SingularBlock rest;
    private final Parameter scale;
    private final Parameter shift;
    private final Parameter x;
    private final Parameter y;

    SaltLinear(DenseLinear base, AdapterContext context) {
        super(base, context.options().dropout());
        int r = context.options().rank();
        ThinSvd svd = context.svd();
        int k = svd.rank();
        this.top = SingularBlock.of(svd, 0, r, context);
        this.rest = SingularBlock.of(svd, r, k, context);
        this.scale = trainable("salt_scale", context.ones(r));
        this.shift = trainable("salt_shift", context.zeros(r));
        this.x = trainable("salt_X", context.kaimingUniform(k - r, r));
        this.y = trainable("salt_Y", context.zeros(r, k - r));
    }

    @Override
    protected List<NDArray> buffers() {
        List<NDArray> arrays = new ArrayList<>(top.arrays());
        arrays.addAll(rest.arrays());
        return arrays;
    }

    /** {@code relu(a * s + c) - s}, shape (r). */
    private NDArray singularValueChange(NDArray a, NDArray c) {
        return Activation.relu(top.values().mul(a).add(c)).sub(top.values());
    }

    @Override
    protected NDArray forward(ParameterStore store, NDArray input, boolean training) {
        NDArray change = singularValueChange(value(store, scale, input, training), value(store, shift, input, training));
        // both blocks as one rank-2r update, two thin products per token as in LoRA (rebuilding the factors is
        // O(r k (in + out)) per step, not per token): down (2r, in) = [V_top^T ; Y V_rest^T], up (out, 2r) = [U_top diag(change), U_rest X]
        NDArray down = top.vTransposed().concat(value(store, y, input, training).matMul(rest.vTransposed()), 0);
        NDArray up = top.u().mul(change).concat(rest.u().matMul(value(store, x, input, training)), 1);
        NDArray delta = NdArrays.linear(NdArrays.linear(adapterInput(input, training), down, null), up, null);
        return frozenOutput(store, input, training).add(delta);
    }

    @Override
    protected NDArray effectiveWeight() {
        NDArray topChange = top.dense(singularValueChange(scale.getArray(), shift.getArray()));
        NDArray restChange = rest.u().matMul(x.getArray()).matMul(y.getArray().matMul(rest.vTransposed()));
        return base.weight().getArray().add(topChange).add(restChange);
    }
}
