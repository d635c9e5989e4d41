package io.tunestream.worker.adapter.headonly;

import io.tunestream.worker.adapter.AdapterContext;
import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.model.BertConfig;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.Projection;

/** Linear probing: the backbone stays frozen and only the classification head trains. The baseline. */
public final class HeadOnly implements AdapterMethod {

    @Override
    public String id() {
        return "head_only";
    }

    /** Reference run: 74.9% at 2e-3. */
    @Override
    public double defaultLearningRate() {
        return 2e-3;
    }

    @Override
    public String description() {
        return "Head only: frozen backbone, trains the pooler and classifier (baseline)";
    }

    @Override
    public boolean patchesProjections() {
        return false;
    }

    @Override
    public void validate(AdapterOptions options, long out, long in) {}

    @Override
    public long trainableParameterCount(AdapterOptions options, long out, long in) {
        return 0;
    }

    @Override
    public long adapterParameterCount(BertConfig config, AdapterOptions options) {
        return 0;
    }

    @Override
    public Projection patch(DenseLinear base, AdapterContext context) {
        throw new UnsupportedOperationException("head_only patches no projection");
    }
}
