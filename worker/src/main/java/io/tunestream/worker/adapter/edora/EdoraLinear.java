package io.tunestream.worker.adapter.edora;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.tunestream.worker.adapter.AdaptedProjection;
import io.tunestream.worker.adapter.AdapterContext;
import io.tunestream.worker.adapter.SingularBlock;
import io.tunestream.worker.adapter.WeightDecomposition;
import io.tunestream.worker.linalg.ThinSvd;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.NdArrays;
import java.util.List;

/**
 * {@code y = b + (m / n) * (x W^T + (alpha/r) ((dropout(x) A^T) R^T) B^T)}, {@code n = ||W + (alpha/r) B R A||_row}
 * detached (EDoRA paper sec. 3). B = U_r (out, r) and A = diag(s_r) V_r^T (r, in) are frozen; R (r, r) starts
 * normal with sigma 1e-5 as published, so this is the one method that is only nearly the identity at
 * initialisation; m (out) starts at {@code ||W||_row}.
 */
public final class EdoraLinear extends AdaptedProjection {

    /** The published initialisation of the core: small enough to be nearly the identity, non-zero so A and B get gradients. */
    static final double CORE_INIT_STD = 1e-5;

    private final NDArray up;
    private final NDArray down;
    private final Parameter core;
    private final Parameter magnitude;
    private final float scaling;

    EdoraLinear(DenseLinear base, AdapterContext context) {
        super(base, context.options().dropout());
        int r = context.options().rank();
        ThinSvd svd = context.svd();
        // B = U_r (out, r) and A = diag(s_r) V_r^T (r, in): the top-r block with the singular values folded into A
        SingularBlock block = SingularBlock.of(svd, 0, r, context);
        this.up = block.u();
        this.down = block.vTransposed().mul(block.values().reshape(-1, 1));
        this.core = trainable("edora_R", context.normal(CORE_INIT_STD, r, r));
        this.magnitude = trainable("magnitude", context.rowNorms(base));
        this.scaling = (float) context.options().scaling();
    }

    @Override
    protected List<NDArray> buffers() {
        return List.of(up, down);
    }

    @Override
    protected NDArray forward(ParameterStore store, NDArray x, boolean training) {
        NDArray w = value(store, base.weight(), x, training);
        NDArray coreValue = value(store, core, x, training);
        // (x A^T) R^T as x (R A)^T: R A is (r, in), so each token costs two thin products, as in LoRA
        NDArray low = NdArrays.linear(adapterInput(x, training), coreValue.matMul(down), null);
        NDArray directional = NdArrays.linear(x, w, null)
                .add(NdArrays.scale(NdArrays.linear(low, up, null), scaling));
        return WeightDecomposition.output(directional, value(store, magnitude, x, training),
                () -> w.add(weightChange(coreValue)), value(store, base.bias(), x, training));
    }

    /** (alpha/r) B R A, shape (out, in). */
    private NDArray weightChange(NDArray coreValue) {
        return NdArrays.scale(up.matMul(coreValue).matMul(down), scaling);
    }

    @Override
    protected NDArray effectiveWeight() {
        NDArray updated = base.weight().getArray().add(weightChange(core.getArray()));
        return WeightDecomposition.merged(magnitude.getArray(), updated);
    }
}
