package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.BlockList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * The BERT encoder without a head (HuggingFace {@code BertModel} minus the pooler): embeddings, then the
 * layers. Inputs: token ids (B, T), attention mask (B, T) with 1 for real tokens and 0 for padding, token-type
 * ids (B, T); output the last hidden state (B, T, H).
 */
public final class BertEncoder extends ModelBlock {

    /** Added to attention scores at padded keys; large enough that softmax gives them zero weight. */
    private static final float MASKED_SCORE = -1e9f;

    private final BertConfig config;
    private final BertEmbeddings embeddings;
    private final List<BertLayer> layers = new ArrayList<>();
    private final Layers layerList = new Layers();

    public BertEncoder(WeightSource weights, BertConfig config) {
        this.config = config;
        this.embeddings = new BertEmbeddings(weights, config);
        for (int i = 0; i < config.layerCount(); i++) {
            layers.add(new BertLayer(weights, "encoder.layer." + i, config));
        }
    }

    public BertConfig config() {
        return config;
    }

    /** The transformer layers, first to last. */
    public List<BertLayer> layers() {
        return List.copyOf(layers);
    }

    @Override
    protected void listChildren(BlockList children) {
        children.add("embeddings", embeddings);
        children.add("encoder", layerList);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.get(0);
        NDArray mask = inputs.get(1);
        NDArray typeIds = inputs.size() > 2 ? inputs.get(2) : ids.zerosLike();
        long length = ids.getShape().get(1);
        if (length > config.maxPositions()) {
            throw new IllegalArgumentException(
                    "sequence length " + length + " exceeds the model's " + config.maxPositions() + " positions");
        }
        // (B, T) of 1/0 -> (B, 1, 1, T) of 0/MASKED_SCORE, broadcast over heads and query positions.
        NDArray additiveMask =
                NdArrays.scale(mask.toType(DataType.FLOAT32, false).sub(1f), -MASKED_SCORE).expandDims(1).expandDims(1);
        NDArray hidden = embeddings.forward(store, new NDList(ids, typeIds), training).singletonOrThrow();
        for (BertLayer layer : layers) {
            hidden = layer.forward(store, new NDList(hidden, additiveMask), training).singletonOrThrow();
        }
        return new NDList(hidden);
    }

    /** Lists the layers as {@code layer.0}, {@code layer.1}, ... under {@code encoder}. */
    private final class Layers extends ModelBlock {
        @Override
        protected void listChildren(BlockList children) {
            for (int i = 0; i < layers.size(); i++) {
                children.add("layer." + i, layers.get(i));
            }
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            throw new UnsupportedOperationException("runs as part of BertEncoder");
        }
    }
}
