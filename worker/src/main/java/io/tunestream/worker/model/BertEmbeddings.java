package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.BlockList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Word + position + token-type embeddings, then LayerNorm and dropout (HuggingFace {@code BertEmbeddings}).
 * Inputs: token ids (B, T) and token-type ids (B, T); output (B, T, hidden).
 */
public final class BertEmbeddings extends ModelBlock {

    private final EmbeddingTable words;
    private final EmbeddingTable positions;
    private final EmbeddingTable tokenTypes;
    private final LayerNormBlock layerNorm;
    private final float dropout;
    private final DataType activations;

    public BertEmbeddings(WeightSource weights, BertConfig config) {
        int hidden = config.hiddenSize();
        this.words = new EmbeddingTable(weights, "embeddings.word_embeddings", config.vocabSize(), hidden);
        this.positions = new EmbeddingTable(weights, "embeddings.position_embeddings", config.maxPositions(), hidden);
        this.tokenTypes = new EmbeddingTable(weights, "embeddings.token_type_embeddings", config.typeVocabSize(), hidden);
        this.layerNorm = new LayerNormBlock(weights, "embeddings.LayerNorm", hidden, config.layerNormEps());
        this.dropout = config.hiddenDropout();
        this.activations = weights.activations();
    }

    @Override
    protected void listChildren(BlockList children) {
        children.add("word_embeddings", words);
        children.add("position_embeddings", positions);
        children.add("token_type_embeddings", tokenTypes);
        children.add("LayerNorm", layerNorm);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.get(0);
        NDArray typeIds = inputs.get(1);
        long length = ids.getShape().get(1);
        NDArray positionIds = ids.getManager().arange(0, length, 1, DataType.INT64);
        // summed and normalised in float32, then handed on in the activations' type (docs/worker.md#precision)
        NDArray summed =
                NdArrays.cast(apply(words, store, ids, training), DataType.FLOAT32)
                        .add(NdArrays.cast(apply(positions, store, positionIds, training), DataType.FLOAT32))
                        .add(NdArrays.cast(apply(tokenTypes, store, typeIds, training), DataType.FLOAT32));
        NDArray normalised = NdArrays.cast(apply(layerNorm, store, summed, training), activations);
        return new NDList(InvertedDropout.apply(normalised, dropout, training));
    }
}
