package io.tunestream.worker.adapter.full;

import io.tunestream.worker.adapter.AdapterContext;
import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.model.BertConfig;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.Projection;

/** Plain fine-tuning: every parameter trains. The upper reference the adapters are compared with. */
public final class FullFineTuning implements AdapterMethod {

    @Override
    public String id() {
        return "full";
    }

    /** Reference run: 89.2% at 3e-5. */
    @Override
    public double defaultLearningRate() {
        return 3e-5;
    }

    @Override
    public String description() {
        return "Full fine-tuning: every backbone parameter and the head train (upper reference)";
    }

    @Override
    public boolean trainsBackbone() {
        return true;
    }

    @Override
    public boolean patchesProjections() {
        return false;
    }

    @Override
    public void validate(AdapterOptions options, long out, long in) {}

    @Override
    public long trainableParameterCount(AdapterOptions options, long out, long in) {
        return out * in + out;
    }

    /** Every backbone parameter: embeddings, and per layer four attention and two feed-forward projections and two LayerNorms. */
    @Override
    public long adapterParameterCount(BertConfig config, AdapterOptions options) {
        long h = config.hiddenSize();
        long inner = config.intermediateSize();
        long embeddings = (config.vocabSize() + config.maxPositions() + config.typeVocabSize()) * h + 2 * h;
        long layer = 4 * (h * h + h) + (h * inner + inner) + (inner * h + h) + 2 * (2 * h);
        return embeddings + config.layerCount() * layer;
    }

    @Override
    public Projection patch(DenseLinear base, AdapterContext context) {
        throw new UnsupportedOperationException("full fine-tuning patches no projection");
    }
}
