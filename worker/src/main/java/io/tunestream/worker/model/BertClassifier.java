package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.BlockList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Sequence classification as HuggingFace's {@code BertForSequenceClassification}: the encoder, then the pooler
 * ({@code tanh(dense(h[CLS]))}), dropout and the classifier. Inputs: token ids (B, T), attention mask (B, T),
 * optionally token-type ids (B, T); output logits (B, labels). Parameter names are those of {@code BertModel}
 * ({@code embeddings.*}, {@code encoder.*}, {@code pooler.dense.*}) plus {@code classifier.*}.
 *
 * <p>The head is always trainable; a checkpoint without pooler weights (all-MiniLM-L6-v2 has none) gets a
 * fresh pooler.
 */
public final class BertClassifier extends ModelBlock {

    private final BertEncoder encoder;
    private final DenseLinear pooler;
    private final DenseLinear classifier;
    private final float dropout;
    private final PoolerGroup poolerGroup = new PoolerGroup();

    public BertClassifier(WeightSource weights, BertConfig config) {
        int hidden = config.hiddenSize();
        this.encoder = new BertEncoder(weights, config);
        this.pooler =
                new DenseLinear(
                        weights.orFresh("pooler.dense.weight", hidden, hidden),
                        weights.orFresh("pooler.dense.bias", hidden),
                        true);
        this.classifier =
                new DenseLinear(
                        weights.orFresh("classifier.weight", config.labelCount(), hidden),
                        weights.orFresh("classifier.bias", config.labelCount()),
                        true);
        this.dropout = config.hiddenDropout();
    }

    public BertEncoder encoder() {
        return encoder;
    }

    public BertConfig config() {
        return encoder.config();
    }

    @Override
    protected void listChildren(BlockList children) {
        for (var child : encoder.getChildren()) {
            children.add(child.getKey(), child.getValue());
        }
        children.add("pooler", poolerGroup);
        children.add("classifier", classifier);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray hidden = encoder.forward(store, inputs, training).singletonOrThrow();
        NDArray cls = hidden.get(":, 0, :");
        NDArray pooled = apply(pooler, store, cls, training).tanh();
        NDArray dropped = InvertedDropout.apply(pooled, dropout, training);
        return new NDList(apply(classifier, store, dropped, training));
    }

    /** Holds {@code pooler.dense}. */
    private final class PoolerGroup extends ModelBlock {
        @Override
        protected void listChildren(BlockList children) {
            children.add("dense", pooler);
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            throw new UnsupportedOperationException("runs as part of BertClassifier");
        }
    }
}
