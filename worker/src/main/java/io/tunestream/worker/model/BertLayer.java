package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.BlockList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One transformer layer, post-LayerNorm as in BERT: {@code h = LN(x + drop(attnOut(selfAttn(x))))},
 * {@code y = LN(h + drop(out(gelu(intermediate(h)))))}. Inputs: hidden (B, T, H), additive mask (B, 1, 1, T);
 * output (B, T, H). The six projections can be swapped for adapters through {@link #projection} and
 * {@link #replace}.
 */
public final class BertLayer extends ModelBlock {

    private final BertSelfAttention selfAttention;
    private final Sublayer attentionOutput;
    private final Sublayer output;
    private Projection intermediate;
    private final Attention attention;
    private final Intermediate intermediateBlock;

    BertLayer(WeightSource weights, String prefix, BertConfig config) {
        int hidden = config.hiddenSize();
        int inner = config.intermediateSize();
        this.selfAttention = new BertSelfAttention(weights, prefix + ".attention.self", config);
        this.attentionOutput = new Sublayer(weights, prefix + ".attention.output", hidden, hidden, config);
        this.intermediate = Layers.dense(weights, prefix + ".intermediate.dense", hidden, inner);
        this.output = new Sublayer(weights, prefix + ".output", inner, hidden, config);
        this.attention = new Attention();
        this.intermediateBlock = new Intermediate();
    }

    @Override
    protected void listChildren(BlockList children) {
        children.add("attention", attention);
        children.add("intermediate", intermediateBlock);
        children.add("output", output);
    }

    /** The projection currently in the slot {@code target}. */
    public Projection projection(TargetModule target) {
        return switch (target) {
            case QUERY -> selfAttention.query;
            case KEY -> selfAttention.key;
            case VALUE -> selfAttention.value;
            case ATTENTION_OUTPUT -> attentionOutput.dense;
            case INTERMEDIATE -> intermediate;
            case OUTPUT -> output.dense;
        };
    }

    /** Puts {@code projection} into the slot {@code target}, replacing what was there. */
    public void replace(TargetModule target, Projection projection) {
        switch (target) {
            case QUERY -> selfAttention.query = projection;
            case KEY -> selfAttention.key = projection;
            case VALUE -> selfAttention.value = projection;
            case ATTENTION_OUTPUT -> attentionOutput.dense = projection;
            case INTERMEDIATE -> intermediate = projection;
            case OUTPUT -> output.dense = projection;
        }
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray additiveMask = inputs.get(1);
        NDArray context = selfAttention.forward(store, new NDList(x, additiveMask), training).singletonOrThrow();
        NDArray h = attentionOutput.residual(store, context, x, training);
        NDArray inner = apply(intermediate, store, h, training);
        // BERT's "gelu" is the exact erf form, x * 0.5 * (1 + erf(x / sqrt(2))): libtorch's fused gelu computes it
        NDArray activated = Activation.gelu(inner);
        return new NDList(output.residual(store, activated, h, training));
    }

    /** {@code LN(residual + dropout(dense(x)))}: HuggingFace's {@code BertSelfOutput} and {@code BertOutput}. */
    private static final class Sublayer extends ModelBlock {
        Projection dense;
        private final LayerNormBlock layerNorm;
        private final float dropout;

        Sublayer(WeightSource weights, String prefix, int in, int out, BertConfig config) {
            this.dense = Layers.dense(weights, prefix + ".dense", in, out);
            this.layerNorm = new LayerNormBlock(weights, prefix + ".LayerNorm", out, config.layerNormEps());
            this.dropout = config.hiddenDropout();
        }

        @Override
        protected void listChildren(BlockList children) {
            children.add("dense", dense);
            children.add("LayerNorm", layerNorm);
        }

        NDArray residual(ParameterStore store, NDArray x, NDArray residual, boolean training) {
            NDArray projected = InvertedDropout.apply(apply(dense, store, x, training), dropout, training);
            return apply(layerNorm, store, projected.add(residual), training);
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            return new NDList(residual(store, inputs.get(0), inputs.get(1), training));
        }
    }

    /** Groups {@code self} and {@code output} under {@code attention}, for HuggingFace's names. */
    private final class Attention extends ModelBlock {
        @Override
        protected void listChildren(BlockList children) {
            children.add("self", selfAttention);
            children.add("output", attentionOutput);
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            throw new UnsupportedOperationException("runs as part of BertLayer");
        }
    }

    /** Holds {@code intermediate.dense}. */
    private final class Intermediate extends ModelBlock {
        @Override
        protected void listChildren(BlockList children) {
            children.add("dense", intermediate);
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            throw new UnsupportedOperationException("runs as part of BertLayer");
        }
    }
}
