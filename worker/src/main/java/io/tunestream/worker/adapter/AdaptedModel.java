package io.tunestream.worker.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.tunestream.worker.model.BertClassifier;
import io.tunestream.worker.model.BertConfig;
import io.tunestream.worker.model.BertLayer;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.NamedParameters;
import io.tunestream.worker.model.NdArrays;
import io.tunestream.worker.model.Precision;
import io.tunestream.worker.model.PretrainedModel;
import io.tunestream.worker.model.Projection;
import io.tunestream.worker.model.StepScope;
import io.tunestream.worker.model.TargetModule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A fresh classifier built from pretrained weights with one method applied: the unit a run trains. Freezing is
 * structural: the pretrained backbone is built frozen, adapters register their own trainable parameters, the
 * head is always trainable, and only {@code full} unfreezes the backbone. Owns its arrays; close it when the run
 * ends.
 */
public final class AdaptedModel implements AutoCloseable {

    private final NDManager manager;
    private final BertClassifier classifier;
    private final AdapterMethod method;
    private final AdapterOptions options;

    private AdaptedModel(NDManager manager, BertClassifier classifier, AdapterMethod method, AdapterOptions options) {
        this.manager = manager;
        this.classifier = classifier;
        this.method = method;
        this.options = options;
    }

    /**
     * Checks that a method and its options fit a model configuration, before anything is allocated.
     *
     * @throws IllegalArgumentException naming the bad value
     */
    public static void validate(AdapterMethod method, AdapterOptions options, BertConfig config) {
        if (!method.patchesProjections()) {
            return;
        }
        for (TargetModule target : options.targets()) {
            long[] shape = ProjectionShapes.of(config, target);
            method.validate(options, shape[0], shape[1]);
        }
    }

    /**
     * Builds a fresh model from {@code pretrained} and applies {@code method}. Adapter initialisation draws from
     * {@code seed}, so the same seed gives the same starting point.
     */
    public static AdaptedModel build(
            PretrainedModel pretrained, AdapterMethod method, AdapterOptions options, long seed, NDManager parent) {
        return build(pretrained, method, options, Precision.FP32, seed, parent);
    }

    /**
     * As {@link #build(PretrainedModel, AdapterMethod, AdapterOptions, long, NDManager)}, computing in {@code precision}:
     * a frozen backbone is held in its type; adapters, the head and a trained backbone stay float32.
     */
    public static AdaptedModel build(PretrainedModel pretrained, AdapterMethod method, AdapterOptions options,
            Precision precision, long seed, NDManager parent) {
        validate(method, options, pretrained.config());
        NDManager manager = parent.newSubManager();
        try {
            BertClassifier classifier = pretrained.instantiate(manager, seed, precision, !method.trainsBackbone());
            if (method.trainsBackbone()) {
                NamedParameters.of(classifier).values().forEach(p -> p.freeze(false));
            }
            if (method.patchesProjections()) {
                Random random = new Random(seed);
                List<BertLayer> layers = classifier.encoder().layers();
                for (int i = 0; i < layers.size(); i++) {
                    for (TargetModule target : options.targets()) {
                        Projection current = layers.get(i).projection(target);
                        if (!(current instanceof DenseLinear base)) {
                            throw new IllegalStateException("layer " + i + " " + target.id() + " is already patched");
                        }
                        String module = "encoder.layer." + i + "." + target.pathInLayer();
                        AdapterContext context = new AdapterContext(
                                options, module, () -> pretrained.svd(module + ".weight"), manager, random);
                        layers.get(i).replace(target, method.patch(base, context));
                    }
                }
            }
            return new AdaptedModel(manager, classifier, method, options);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public BertClassifier classifier() {
        return classifier;
    }

    public AdapterMethod method() {
        return method;
    }

    public AdapterOptions options() {
        return options;
    }

    public NDManager manager() {
        return manager;
    }

    /** Every parameter under its HuggingFace-style name. */
    public Map<String, Parameter> parameters() {
        return NamedParameters.of(classifier);
    }

    /** The parameters the optimizer updates, by name. */
    public Map<String, Parameter> trainableParameters() {
        Map<String, Parameter> trainable = new LinkedHashMap<>();
        parameters().forEach((name, p) -> {
            if (p.requiresGradient()) {
                trainable.put(name, p);
            }
        });
        return trainable;
    }

    /** Whether {@code name} belongs to the classification head (pooler or classifier). */
    public static boolean isHead(String name) {
        return name.startsWith("pooler.") || name.startsWith("classifier.");
    }

    public ParameterCounts parameterCounts() {
        long adapter = 0;
        long head = 0;
        long total = 0;
        for (Map.Entry<String, Parameter> entry : parameters().entrySet()) {
            long size = entry.getValue().getArray().size();
            total += size;
            if (entry.getValue().requiresGradient()) {
                if (isHead(entry.getKey())) {
                    head += size;
                } else {
                    adapter += size;
                }
            }
        }
        return new ParameterCounts(adapter, head, total);
    }

    /**
     * Logits (B, labels) in float32 for token ids, mask and optional token types, inside a step scope: the loss and the
     * metrics are computed in float32 whatever the model's precision.
     */
    public NDArray logits(StepScope scope, NDList inputs, boolean training) {
        return NdArrays.cast(classifier.forward(scope.store(), inputs, training).singletonOrThrow(), DataType.FLOAT32);
    }

    /**
     * Bytes held by the frozen parameters (the pretrained backbone, unless the method trains it) and the adapters'
     * constant buffers are not counted: what mixed precision halves.
     */
    public long frozenParameterBytes() {
        return parameters().values().stream()
                .filter(p -> !p.requiresGradient())
                .mapToLong(p -> p.getArray().size() * p.getArray().getDataType().getNumOfBytes())
                .sum();
    }

    /** Opens the per-step scope for this model (see {@link StepScope}). */
    public StepScope openStep() {
        return StepScope.open(manager, classifier);
    }

    /**
     * Folds every adapter into a plain dense layer, in place: evaluation then runs at the frozen model's speed, and
     * export sees ordinary BERT weights. The model can no longer be trained afterwards.
     */
    public void mergeAdapters() {
        for (BertLayer layer : classifier.encoder().layers()) {
            for (TargetModule target : TargetModule.values()) {
                Projection projection = layer.projection(target);
                if (!(projection instanceof DenseLinear)) {
                    layer.replace(target, projection.merge(manager));
                }
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
