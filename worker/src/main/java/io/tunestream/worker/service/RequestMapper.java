package io.tunestream.worker.service;

import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.AdapterSettings;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.RequestLimits;
import io.tunestream.schemas.TrainingSettings;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.model.source.ModelReference;
import io.tunestream.worker.train.TrainingConfig;
import java.util.List;
import java.util.Set;

/**
 * Turns an {@link ExperimentRequest} into the {@link TrainingConfig} the CLI would build from the same values, and
 * checks it without loading anything heavy: every mistake a requester can make is reported here with the request
 * field at fault. Requests name datasets from the worker's catalog and models from its confined model catalog;
 * they never name files or URLs.
 */
public final class RequestMapper {

    private static final Set<String> ADAPTER_FIELDS = Set.of("rank", "alpha", "dropout", "targets", "tailMode");
    private static final Set<String> TRAINING_FIELDS = Set.of("learningRate", "batchSize", "epochs", "maxSteps",
            "warmupRatio", "weightDecay", "gradientClip", "evalEvery", "checkpointEvery", "maxLength", "trainSamples",
            "evalBatchSize");

    private final AdapterRegistry registry;
    private final ModelCatalog models;
    private final DatasetCatalog datasets;

    public RequestMapper(AdapterRegistry registry, ModelCatalog models, DatasetCatalog datasets) {
        this.registry = registry;
        this.models = models;
        this.datasets = datasets;
    }

    /**
     * The resolved, checked config of {@code request}.
     *
     * @throws InvalidRequestException naming the field at fault
     */
    public TrainingConfig resolve(ExperimentRequest request) {
        RequestLimits.check(request).ifPresent(violation -> {
            throw new InvalidRequestException(violation.field(), violation.message());
        });
        AdapterMethod method = method(request.getMethod());
        String model = request.getModel();
        try {
            ModelReference.parse(model);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("model", e.getMessage());
        }
        if (request.getDataset() == null || !datasets.knows(request.getDataset())) {
            throw new InvalidRequestException("dataset", "unknown dataset " + RequestLimits.quote(request.getDataset())
                    + "; valid datasets: " + String.join(", ", datasets.names()));
        }
        TrainingConfig config;
        try {
            config = toConfig(request).resolve(method);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(fieldNamedIn(e.getMessage()), e.getMessage());
        }
        try {
            AdaptedModel.validate(method, config.adapterOptions(), models.config(config.model()));
        } catch (IllegalArgumentException e) {
            String field = e.getMessage().startsWith("model") ? "model" : fieldNamedIn(e.getMessage());
            throw new InvalidRequestException(field == null ? "adapter" : field, e.getMessage());
        }
        return config;
    }

    static void checkRunId(String runId) {
        RequestLimits.checkRunId(runId).ifPresent(violation -> {
            throw new InvalidRequestException(violation.field(), violation.message());
        });
    }

    private AdapterMethod method(AdapterMethodId id) {
        List<String> valid = registry.all().stream().map(AdapterMethod::id).toList();
        if (id == null || id == AdapterMethodId.unknown) {
            throw new InvalidRequestException("method", "method '" + id + "' is not one this worker knows (a newer"
                    + " coordinator's method reads as 'unknown' here); valid methods: " + String.join(", ", valid));
        }
        try {
            return registry.get(id.name());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("method", e.getMessage());
        }
    }

    /** The request's values as an unresolved config; absent values stay null and take the method's defaults. */
    static TrainingConfig toConfig(ExperimentRequest request) {
        AdapterSettings a = request.getAdapter();
        TrainingSettings t = request.getTraining();
        return new TrainingConfig(request.getModel(), request.getMethod().name(), a.getRank(), a.getAlpha(),
                a.getDropout(), a.getTargets(), a.getTailMode(), t.getLearningRate(), t.getBatchSize(),
                t.getEpochs(), t.getMaxSteps(), t.getWarmupRatio(), t.getWeightDecay(), t.getGradientClip(),
                t.getEvalEvery(), t.getCheckpointEvery(), t.getMaxLength(), t.getTrainSamples(),
                t.getEvalBatchSize(), request.getSeed(), request.getDataset(), null, null, null);
    }

    /**
     * The request field a validation message is about: the checks in {@link TrainingConfig} and the adapter
     * methods start their messages with the field's name ("rank must be at least 1 ...").
     */
    static String fieldNamedIn(String message) {
        if (message == null) {
            return null;
        }
        for (String word : message.split("[^A-Za-z]+")) {
            if (ADAPTER_FIELDS.contains(word)) {
                return "adapter." + word;
            }
            if (TRAINING_FIELDS.contains(word)) {
                return "training." + word;
            }
            if (word.equals("target")) {
                return "adapter.targets";
            }
            if (word.equals("tail")) {
                return "adapter.tailMode";
            }
        }
        return null;
    }
}
