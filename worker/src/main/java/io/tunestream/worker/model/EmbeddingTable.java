package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.BlockList;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** A lookup table {@code weight} (entries, hidden). Input: integer ids (...), output (..., hidden). */
public final class EmbeddingTable extends ModelBlock {

    private final Parameter weight;

    public EmbeddingTable(WeightSource weights, String name, int entries, int hidden) {
        this.weight = addParameter(parameter("weight", weights.backbone(name + ".weight", entries, hidden), false));
    }

    @Override
    protected void listChildren(BlockList children) {}

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.singletonOrThrow();
        return Embedding.embedding(ids, store.getValue(weight, ids.getDevice(), training), SparseFormat.DENSE);
    }
}
