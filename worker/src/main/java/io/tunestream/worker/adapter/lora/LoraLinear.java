package io.tunestream.worker.adapter.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.tunestream.worker.adapter.AdaptedProjection;
import io.tunestream.worker.adapter.AdapterContext;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.NdArrays;

/**
 * {@code y = x W^T + b + (alpha/r) (dropout(x) A^T) B^T} (LoRA paper sec. 4.1; PEFT {@code lora/layer.py}).
 * A (r, in) is kaiming-uniform, B (out, r) starts at zero, so the layer is the identity at initialisation.
 */
public final class LoraLinear extends AdaptedProjection {

    private final Parameter a;
    private final Parameter b;
    private final float scaling;

    LoraLinear(DenseLinear base, AdapterContext context) {
        super(base, context.options().dropout());
        int r = context.options().rank();
        this.a = trainable("lora_A", context.kaimingUniform(r, base.inFeatures()));
        this.b = trainable("lora_B", context.zeros(base.outFeatures(), r));
        this.scaling = (float) context.options().scaling();
    }

    @Override
    protected NDArray forward(ParameterStore store, NDArray x, boolean training) {
        NDArray down = NdArrays.linear(adapterInput(x, training), value(store, a, x, training), null);
        // scaled at rank r rather than at the output width: one pass over (..., r) instead of (..., out), forward
        // and backward
        NDArray up = NdArrays.linear(NdArrays.scale(down, scaling), value(store, b, x, training), null);
        return frozenOutput(store, x, training).add(up);
    }

    @Override
    protected NDArray effectiveWeight() {
        return base.weight().getArray().add(NdArrays.scale(b.getArray().matMul(a.getArray()), scaling));
    }
}
