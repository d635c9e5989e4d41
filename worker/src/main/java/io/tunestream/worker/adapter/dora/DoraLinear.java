package io.tunestream.worker.adapter.dora;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.tunestream.worker.adapter.AdaptedProjection;
import io.tunestream.worker.adapter.AdapterContext;
import io.tunestream.worker.adapter.WeightDecomposition;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.NdArrays;

/**
 * {@code y = b + (m / n) * (x W^T + (alpha/r) (dropout(x) A^T) B^T)} with {@code n = ||W + (alpha/r) B A||_row}
 * treated as a constant in the backward pass (DoRA paper sec. 4.3; PEFT {@code lora/dora.py} applies dropout the
 * same way). A and B as in LoRA; m (out) starts at {@code ||W||_row}, so at initialisation {@code m / n = 1} and
 * the layer is the identity.
 */
public final class DoraLinear extends AdaptedProjection {

    private final Parameter a;
    private final Parameter b;
    private final Parameter magnitude;
    private final float scaling;

    DoraLinear(DenseLinear base, AdapterContext context) {
        super(base, context.options().dropout());
        int r = context.options().rank();
        this.a = trainable("lora_A", context.kaimingUniform(r, base.inFeatures()));
        this.b = trainable("lora_B", context.zeros(base.outFeatures(), r));
        this.magnitude = trainable("magnitude", context.rowNorms(base));
        this.scaling = (float) context.options().scaling();
    }

    @Override
    protected NDArray forward(ParameterStore store, NDArray x, boolean training) {
        NDArray w = value(store, base.weight(), x, training);
        NDArray aValue = value(store, a, x, training);
        NDArray bValue = value(store, b, x, training);
        NDArray down = NdArrays.linear(adapterInput(x, training), aValue, null);
        NDArray directional = NdArrays.linear(x, w, null)
                .add(NdArrays.scale(NdArrays.linear(down, bValue, null), scaling));
        return WeightDecomposition.output(directional, value(store, magnitude, x, training),
                () -> w.add(NdArrays.scale(bValue.matMul(aValue), scaling)), value(store, base.bias(), x, training));
    }

    @Override
    protected NDArray effectiveWeight() {
        NDArray updated = base.weight().getArray().add(NdArrays.scale(b.getArray().matMul(a.getArray()), scaling));
        return WeightDecomposition.merged(magnitude.getArray(), updated);
    }
}
