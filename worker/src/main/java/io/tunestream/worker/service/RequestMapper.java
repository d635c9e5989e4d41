package io.tunestream.worker.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.ExportFormat;
import io.tunestream.schemas.InvalidFieldException;
import io.tunestream.schemas.RequestLimits;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.export.Exports;
import io.tunestream.worker.model.BertConfig;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.model.source.ModelReference;
import io.tunestream.worker.train.TrainingConfig;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns an {@link ExperimentRequest} into the {@link TrainingConfig} the CLI would build from the same values, and
 * checks it without loading anything heavy: every mistake a requester can make is reported here with the request
 * field at fault. Requests name datasets from the worker's catalog and models from its confined model catalog;
 * they never name files or URLs.
 */
public final class RequestMapper {

    private static final ObjectMapper JSON = new ObjectMapper();

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
        if (request.getExports().contains(ExportFormat.unknown)) {
            throw new InvalidRequestException("exports", "an export format this worker does not know (from a newer"
                    + " coordinator?); valid formats: " + Exports.ids());
        }
        for (ExperimentField field : ExperimentField.values()) {
            try {
                field.check(field.read(request));
            } catch (InvalidFieldException e) {
                throw new InvalidRequestException(field.requestPath(), e.getMessage());
            }
        }
        try {
            TrainingConfig config = toConfig(request).resolve(method);
            AdaptedModel.validate(method, config.adapterOptions(), modelConfig(config.model()));
            return config;
        } catch (InvalidFieldException e) {
            // every check of a request's values names its field as data (ExperimentField, the adapter methods)
            throw new InvalidRequestException(ExperimentField.named(e.field(), "request").requestPath(), e.getMessage());
        } catch (IllegalArgumentException e) {
            // a check that names no field still makes the request one that can never run
            throw new InvalidRequestException(null, e.getMessage());
        }
    }

    /** The shape of the model a request names, which the model-dependent checks need. */
    private BertConfig modelConfig(String model) {
        try {
            return models.config(model);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException(ExperimentField.MODEL.fieldName(), e.getMessage());
        }
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

    /**
     * The request's values as an unresolved config, field by field as {@link ExperimentField} maps them (the fields
     * a request carries that are not the experiment's, priority and budget, stay out); absent values stay null and
     * take the method's defaults.
     */
    static TrainingConfig toConfig(ExperimentRequest request) {
        Map<String, Object> values = new LinkedHashMap<>();
        Set<String> components = Arrays.stream(TrainingConfig.class.getRecordComponents()).map(RecordComponent::getName)
                .collect(Collectors.toSet());
        for (ExperimentField field : ExperimentField.values()) {
            Object value = field.read(request);
            if (value != null && components.contains(field.fieldName())) {
                values.put(field.fieldName(), value);
            }
        }
        return JSON.convertValue(values, TrainingConfig.class);
    }

}
