package io.tunestream.worker.model;

import ai.djl.ndarray.NDManager;
import io.tunestream.worker.linalg.SvdCache;
import io.tunestream.worker.linalg.ThinSvd;
import io.tunestream.worker.tensor.HostTensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Pretrained weights as loaded from a model source, kept in Java memory and never modified: every run builds
 * a fresh {@link BertClassifier} from them (the research notebook reused one model object across experiments,
 * so later runs wrapped already-wrapped layers). Holds the model's SVD cache.
 *
 * @param identity the reference the model was loaded from, such as {@code minilm-l6}, its source and weights' digest
 * @param config the encoder's shape
 * @param weights tensors by HuggingFace {@code BertModel} name ({@code embeddings.word_embeddings.weight}, ...)
 * @param tokenizer the tokenizer that belongs to the weights, if the source has one
 * @param svds decompositions of the frozen matrices, filled on demand
 */
public record PretrainedModel(
        ModelIdentity identity,
        BertConfig config,
        Map<String, HostTensor> weights,
        Optional<TokenizerSource> tokenizer,
        SvdCache svds) {

    public PretrainedModel {
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }

    public PretrainedModel(ModelIdentity identity, BertConfig config, Map<String, HostTensor> weights, Optional<TokenizerSource> tokenizer) {
        this(identity, config, weights, tokenizer, new SvdCache());
    }

    /** The reference the model was loaded from, such as {@code minilm-l6}. */
    public String reference() {
        return identity.reference();
    }

    /** The same weights (and SVD cache) under another configuration of the same shape, such as other dropout rates. */
    public PretrainedModel withConfig(BertConfig other) {
        if (other.hiddenSize() != config.hiddenSize() || other.layerCount() != config.layerCount()
                || other.intermediateSize() != config.intermediateSize() || other.vocabSize() != config.vocabSize()) {
            throw new IllegalArgumentException("a configuration of another shape does not fit these weights");
        }
        return new PretrainedModel(identity, other, weights, tokenizer, svds);
    }

    /**
     * The same model with a head of {@code outputs} outputs: one per label, or one for regression. A checkpoint's own
     * classifier is kept only when it has that shape; otherwise the head starts fresh.
     */
    public PretrainedModel withOutputs(int outputs) {
        if (outputs == config.labelCount()) {
            return this;
        }
        Map<String, HostTensor> kept = new LinkedHashMap<>(weights);
        kept.remove("classifier.weight");
        kept.remove("classifier.bias");
        return new PretrainedModel(identity, config.withLabelCount(outputs), kept, tokenizer, svds);
    }

    /** A fresh classifier with every backbone parameter frozen and a trainable head, in float32. */
    public BertClassifier instantiate(NDManager manager, long seed) {
        return instantiate(manager, seed, Precision.FP32, true);
    }

    /**
     * A fresh classifier computing in {@code precision}; a frozen backbone's matrices are held in its type (see
     * {@link WeightSource#backbone}).
     */
    public BertClassifier instantiate(NDManager manager, long seed, Precision precision, boolean backboneFrozen) {
        return new BertClassifier(new WeightSource(manager, weights, seed, precision, backboneFrozen), config);
    }

    /** The SVD of the pretrained matrix {@code name}, computed once per model. */
    public ThinSvd svd(String name) {
        return svds.get(
                name,
                () -> {
                    HostTensor matrix = weights.get(name);
                    if (matrix == null) {
                        throw new IllegalArgumentException("the model has no matrix '" + name + "'");
                    }
                    return matrix;
                });
    }

    /** Number of parameters in the pretrained backbone. */
    public long backboneParameterCount() {
        return weights.entrySet().stream()
                .filter(e -> !e.getKey().startsWith("pooler."))
                .mapToLong(e -> e.getValue().elementCount())
                .sum();
    }
}
