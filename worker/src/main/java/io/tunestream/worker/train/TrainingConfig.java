package io.tunestream.worker.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.InvalidFieldException;
import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.adapter.TailMode;
import io.tunestream.worker.data.DataLayout;
import io.tunestream.worker.model.Precision;
import io.tunestream.worker.model.TargetModule;
import io.tunestream.worker.model.source.ModelReference;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One experiment, as a user writes it (CLI flags or a YAML/JSON file) and as a run directory records it. Absent
 * values take the method's defaults when the config is {@link #resolve resolved}; every value is checked against its
 * {@link ExperimentField} (the one definition of each field's range, shared with the coordinator), so a bad config
 * fails before any model is built, with an {@link InvalidFieldException} naming the field.
 *
 * @param model model reference ({@link ModelReference})
 * @param method method id
 * @param rank adapter rank
 * @param alpha adapter scale numerator; null: twice the rank
 * @param dropout adapter dropout; null: the method's default
 * @param targets projections to patch
 * @param tailMode {@code salt_edora} only: free or polar; null for every other method
 * @param learningRate peak learning rate; null: the method's default
 * @param batchSize examples per forward pass
 * @param gradAccum micro-batches of {@code batchSize} per optimizer step: the effective batch is their product
 * @param epochs passes over the training set
 * @param maxSteps stop after this many optimizer steps; 0: no limit
 * @param warmupRatio share of the steps spent warming up linearly, then linear decay to zero
 * @param weightDecay AdamW decay, not applied to biases and LayerNorm
 * @param gradientClip maximum global gradient norm; 0: no clipping
 * @param evalEvery evaluate (and keep the best checkpoint) every this many steps, and at each epoch end; 0: epoch ends only
 * @param checkpointEvery write a resumable checkpoint every this many steps; 0: at evaluations only
 * @param maxLength truncate sentences to this many tokens
 * @param trainSamples use a seeded subset of this many training examples; 0: all
 * @param evalBatchSize batch size for evaluation
 * @param seed seed for the subset, shuffling, initialisation and dropout
 * @param dataset named dataset; its train and dev files
 * @param trainFile a labelled CSV, TSV or JSON Lines file that replaces the dataset's train split
 * @param devFile a labelled file that replaces the dataset's dev split
 * @param layout how to read the data (columns, task, labels, metric), over the named dataset's own layout; a run
 *     records it with every inferred value filled in (docs/tasks.md)
 * @param precision the arithmetic of the steps, {@code fp32} or {@code fp16} ({@link Precision})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public record TrainingConfig(
        String model,
        String method,
        Integer rank,
        Double alpha,
        Double dropout,
        List<String> targets,
        String tailMode,
        Double learningRate,
        Integer batchSize,
        Integer gradAccum,
        Integer epochs,
        Integer maxSteps,
        Double warmupRatio,
        Double weightDecay,
        Double gradientClip,
        Integer evalEvery,
        Integer checkpointEvery,
        Integer maxLength,
        Integer trainSamples,
        Integer evalBatchSize,
        Long seed,
        String dataset,
        String trainFile,
        String devFile,
        DataLayout layout,
        String precision) {

    /** A config with only the method set; everything else at its default. */
    public static TrainingConfig forMethod(String method) {
        return new TrainingConfig(null, method, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /**
     * Fills every absent value with its default and checks every value.
     *
     * @throws IllegalArgumentException naming the first bad field and what would be valid
     */
    public TrainingConfig resolve(AdapterMethod adapterMethod) {
        ExperimentField.TAIL_MODE.checkMethod(adapterMethod.id(), tailMode);
        int r = orDefault(rank, AdapterOptions.DEFAULT_RANK);
        TrainingConfig resolved = new TrainingConfig(
                ModelReference.parse(orDefault(model, ModelReference.DEFAULT)).text(),
                adapterMethod.id(),
                r,
                orDefault(alpha, 2.0 * r),
                orDefault(dropout, adapterMethod.defaultDropout()),
                targets == null || targets.isEmpty() ? TargetModule.DEFAULT.stream().map(TargetModule::id).toList() : targets,
                ExperimentField.TAIL_MODE.appliesTo(adapterMethod.id()) ? TailMode.fromId(orDefault(tailMode, "free")).id() : null,
                orDefault(learningRate, adapterMethod.defaultLearningRate()),
                orDefault(batchSize, 32),
                orDefault(gradAccum, 1),
                orDefault(epochs, 1),
                orDefault(maxSteps, 0),
                orDefault(warmupRatio, 0.06),
                orDefault(weightDecay, 0.01),
                orDefault(gradientClip, 1.0),
                orDefault(evalEvery, 500),
                orDefault(checkpointEvery, 0),
                orDefault(maxLength, 128),
                orDefault(trainSamples, 0),
                orDefault(evalBatchSize, 64),
                orDefault(seed, 42L),
                orDefault(dataset, "glue-sst2"),
                trainFile,
                devFile,
                layout,
                Precision.fromId(orDefault(precision, Precision.DEFAULT.id())).id());
        resolved.check();
        resolved.adapterOptions();
        return resolved;
    }

    /** Every value against its field's definition. */
    private void check() {
        fieldValues().forEach(ExperimentField::check);
    }

    /** The components that are experiment fields, which share their names, with their values (null: not set). */
    private Map<ExperimentField, Object> fieldValues() {
        Map<ExperimentField, Object> values = new LinkedHashMap<>();
        for (RecordComponent component : TrainingConfig.class.getRecordComponents()) {
            Optional<ExperimentField> field = ExperimentField.find(component.getName());
            if (field.isPresent()) {
                try {
                    values.put(field.get(), component.getAccessor().invoke(this));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + component.getName(), e);
                }
            }
        }
        return values;
    }

    /**
     * A config as this version records it, from one an earlier version recorded: without a layout, the run trained on
     * GLUE SST-2 ({@code sst2Layout}); a tail mode recorded for a method that has none is dropped.
     */
    public TrainingConfig upgraded(DataLayout sst2Layout) {
        TrainingConfig upgraded = layout == null ? withLayout(sst2Layout) : this;
        if (tailMode != null && method != null && !ExperimentField.TAIL_MODE.appliesTo(method)) {
            upgraded = new TrainingConfig(model, method, rank, alpha, dropout, targets, null, learningRate, batchSize,
                    gradAccum, epochs, maxSteps, warmupRatio, weightDecay, gradientClip, evalEvery, checkpointEvery, maxLength,
                    trainSamples, evalBatchSize, seed, dataset, trainFile, devFile, upgraded.layout, precision);
        }
        return upgraded;
    }

    /** This config reading its data with {@code resolved}: a run records the layout it trained with. */
    public TrainingConfig withLayout(DataLayout resolved) {
        return new TrainingConfig(model, method, rank, alpha, dropout, targets, tailMode, learningRate, batchSize, gradAccum,
                epochs, maxSteps, warmupRatio, weightDecay, gradientClip, evalEvery, checkpointEvery, maxLength, trainSamples,
                evalBatchSize, seed, dataset, trainFile, devFile, resolved, precision);
    }

    /**
     * The experiment's fields this config sets, by field name, as text (lists comma-separated): after
     * {@link #resolve}, the experiment as it runs, which a worker reports in its status.
     */
    public Map<String, String> experimentValues() {
        Map<String, String> values = new LinkedHashMap<>();
        fieldValues().forEach((field, value) -> {
            if (value != null) {
                values.put(field.fieldName(), value instanceof List<?> list
                        ? String.join(",", list.stream().map(String::valueOf).toList()) : value.toString());
            }
        });
        return values;
    }

    /** The precision this config trains in (valid only after {@link #resolve}). */
    public Precision trainingPrecision() {
        return Precision.fromId(precision);
    }

    /** The adapter options this config describes (valid only after {@link #resolve}). */
    public AdapterOptions adapterOptions() {
        return new AdapterOptions(rank, alpha, dropout, TargetModule.parseList(String.join(",", targets)),
                tailMode == null ? TailMode.FREE : TailMode.fromId(tailMode));
    }

    private static <T> T orDefault(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
