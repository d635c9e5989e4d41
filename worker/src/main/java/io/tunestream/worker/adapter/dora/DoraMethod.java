package io.tunestream.worker.adapter.dora;

import io.tunestream.worker.adapter.AdapterContext;
import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.Projection;

/**
 * DoRA (Liu et al., 2024, arXiv 2402.09353): the weight split into a trainable magnitude per output row and a
 * direction updated by LoRA.
 */
public final class DoraMethod implements AdapterMethod {

    @Override
    public String id() {
        return "dora";
    }

    /** As LoRA, whose factors it shares. */
    @Override
    public double defaultLearningRate() {
        return 5e-4;
    }

    @Override
    public String description() {
        return "DoRA: magnitude m times direction (W + (alpha/r) B A) / ||.||_row (Liu et al. 2024)";
    }

    @Override
    public double defaultDropout() {
        return 0.1;
    }

    @Override
    public long trainableParameterCount(AdapterOptions options, long out, long in) {
        return (long) options.rank() * (in + out) + out;
    }

    @Override
    public Projection patch(DenseLinear base, AdapterContext context) {
        return new DoraLinear(base, context);
    }
}
