package io.tunestream.worker.model;

/**
 * Shape and regularisation of a BERT encoder, with HuggingFace's {@code BertConfig} field meanings.
 *
 * @param vocabSize word-piece vocabulary size
 * @param hiddenSize width of every token representation
 * @param layerCount number of transformer layers
 * @param headCount attention heads per layer; must divide {@code hiddenSize}
 * @param intermediateSize width of the feed-forward block
 * @param maxPositions number of learned position embeddings, the longest sequence the model accepts
 * @param typeVocabSize number of token-type (segment) embeddings
 * @param layerNormEps epsilon of every LayerNorm
 * @param hiddenDropout dropout after embeddings, attention output and feed-forward output
 * @param attentionDropout dropout on the attention probabilities
 * @param labelCount classes of the sequence-classification head
 */
public record BertConfig(
        int vocabSize,
        int hiddenSize,
        int layerCount,
        int headCount,
        int intermediateSize,
        int maxPositions,
        int typeVocabSize,
        float layerNormEps,
        float hiddenDropout,
        float attentionDropout,
        int labelCount) {

    public BertConfig {
        requirePositive("vocabSize", vocabSize);
        requirePositive("hiddenSize", hiddenSize);
        requirePositive("layerCount", layerCount);
        requirePositive("headCount", headCount);
        requirePositive("intermediateSize", intermediateSize);
        requirePositive("maxPositions", maxPositions);
        requirePositive("typeVocabSize", typeVocabSize);
        requirePositive("labelCount", labelCount);
        if (hiddenSize % headCount != 0) {
            throw new IllegalArgumentException(
                    "hiddenSize " + hiddenSize + " is not divisible by headCount " + headCount);
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layerNormEps must be positive, got " + layerNormEps);
        }
        requireProbability("hiddenDropout", hiddenDropout);
        requireProbability("attentionDropout", attentionDropout);
    }

    /** all-MiniLM-L6-v2: 6 layers, hidden 384, 12 heads (its {@code config.json}). */
    public static BertConfig miniLmL6() {
        return new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12f, 0.1f, 0.1f, 2);
    }

    /** bert-base-uncased: 12 layers, hidden 768, 12 heads. */
    public static BertConfig bertBase() {
        return new BertConfig(30522, 768, 12, 12, 3072, 512, 2, 1e-12f, 0.1f, 0.1f, 2);
    }

    /** A tiny encoder for fast tests: 2 layers, hidden 32, 4 heads, BERT's uncased vocabulary (so it can use the real tokenizer). */
    public static BertConfig tiny() {
        return new BertConfig(30522, 32, 2, 4, 64, 128, 2, 1e-12f, 0.1f, 0.1f, 2);
    }

    /** The same shape with other dropout rates (0, 0 for a deterministic benchmark against a dropout-free peer). */
    public BertConfig withDropout(float hidden, float attention) {
        return new BertConfig(vocabSize, hiddenSize, layerCount, headCount, intermediateSize, maxPositions, typeVocabSize,
                layerNormEps, hidden, attention, labelCount);
    }

    /** The same encoder under a head of {@code labels} outputs. */
    public BertConfig withLabelCount(int labels) {
        return new BertConfig(vocabSize, hiddenSize, layerCount, headCount, intermediateSize, maxPositions, typeVocabSize,
                layerNormEps, hiddenDropout, attentionDropout, labels);
    }

    /** Width of one attention head. */
    public int headSize() {
        return hiddenSize / headCount;
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
    }

    private static void requireProbability(String name, float value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1), got " + value);
        }
    }
}
