package io.tunestream.worker.adapter.lora;

import io.tunestream.worker.adapter.AdapterContext;
import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.Projection;

/** LoRA (Hu et al., 2021, arXiv 2106.09685): a trainable low-rank update {@code (alpha/r) B A} beside frozen W. */
public final class LoraMethod implements AdapterMethod {

    @Override
    public String id() {
        return "lora";
    }

    /** Reference run: 86.7% best dev accuracy at 5e-4. */
    @Override
    public double defaultLearningRate() {
        return 5e-4;
    }

    @Override
    public String description() {
        return "LoRA: low-rank update (alpha/r) B A, B initialised to zero (Hu et al. 2021)";
    }

    @Override
    public double defaultDropout() {
        return 0.1;
    }

    @Override
    public long trainableParameterCount(AdapterOptions options, long out, long in) {
        return (long) options.rank() * (in + out);
    }

    @Override
    public Projection patch(DenseLinear base, AdapterContext context) {
        return new LoraLinear(base, context);
    }
}
