package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.BlockList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Multi-head scaled dot-product self-attention with the padding mask (HuggingFace {@code BertSelfAttention}).
 * Inputs: hidden states (B, T, H) and the additive mask (B, 1, 1, T) (0 for real tokens, a large negative
 * number for padding); output the attention context (B, T, H).
 */
public final class BertSelfAttention extends ModelBlock {

    Projection query;
    Projection key;
    Projection value;
    private final int heads;
    private final int headSize;
    private final float dropout;

    BertSelfAttention(WeightSource weights, String prefix, BertConfig config) {
        int hidden = config.hiddenSize();
        this.query = Layers.dense(weights, prefix + ".query", hidden, hidden);
        this.key = Layers.dense(weights, prefix + ".key", hidden, hidden);
        this.value = Layers.dense(weights, prefix + ".value", hidden, hidden);
        this.heads = config.headCount();
        this.headSize = config.headSize();
        this.dropout = config.attentionDropout();
    }

    @Override
    protected void listChildren(BlockList children) {
        children.add("query", query);
        children.add("key", key);
        children.add("value", value);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray hidden = inputs.get(0);
        NDArray additiveMask = inputs.get(1);
        long batch = hidden.getShape().get(0);
        long length = hidden.getShape().get(1);
        // (B, T, H) -> (B, heads, T, headSize)
        NDArray q = splitHeads(apply(query, store, hidden, training), batch, length);
        NDArray k = splitHeads(apply(key, store, hidden, training), batch, length);
        NDArray v = splitHeads(apply(value, store, hidden, training), batch, length);
        // the softmax in float32 whatever the activations' type (docs/worker.md#precision), the mask being float32
        NDArray scores = NdArrays.cast(NdArrays.scale(q.matMul(k.transpose(0, 1, 3, 2)), 1 / Math.sqrt(headSize)),
                DataType.FLOAT32).add(additiveMask);
        NDArray probabilities = NdArrays.cast(InvertedDropout.apply(scores.softmax(-1), dropout, training), v.getDataType());
        NDArray context = probabilities.matMul(v).transpose(0, 2, 1, 3).reshape(batch, length, (long) heads * headSize);
        return new NDList(context);
    }

    private NDArray splitHeads(NDArray x, long batch, long length) {
        return x.reshape(batch, length, heads, headSize).transpose(0, 2, 1, 3);
    }
}
