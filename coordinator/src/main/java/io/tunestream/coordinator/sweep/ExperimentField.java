package io.tunestream.coordinator.sweep;

import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.ExperimentRequest;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The fields a sweep sets on a run, named as in {@code tunestream train --config} (camelCase), each with its
 * check and where it goes in an {@link ExperimentRequest}. The checks here are those the coordinator can make
 * without a model (types, ranges, known names); a worker checks the rest (a rank too large for the model) and
 * fails the run naming the field.
 */
public enum ExperimentField {
    MODEL("model", Kind.TEXT, (r, v) -> r.setModel((String) v)),
    DATASET("dataset", Kind.TEXT, (r, v) -> r.setDataset((String) v)),
    METHOD("method", Kind.METHOD, (r, v) -> r.setMethod((AdapterMethodId) v)),
    RANK("rank", Kind.POSITIVE_INT, (r, v) -> r.getAdapter().setRank((Integer) v)),
    ALPHA("alpha", Kind.POSITIVE_NUMBER, (r, v) -> r.getAdapter().setAlpha((Double) v)),
    DROPOUT("dropout", Kind.FRACTION, (r, v) -> r.getAdapter().setDropout((Double) v)),
    TARGETS("targets", Kind.TEXT_LIST, (r, v) -> r.getAdapter().setTargets(castList(v))),
    TAIL_MODE("tailMode", Kind.TEXT, (r, v) -> r.getAdapter().setTailMode((String) v)),
    LEARNING_RATE("learningRate", Kind.POSITIVE_NUMBER, (r, v) -> r.getTraining().setLearningRate((Double) v)),
    BATCH_SIZE("batchSize", Kind.POSITIVE_INT, (r, v) -> r.getTraining().setBatchSize((Integer) v)),
    EPOCHS("epochs", Kind.POSITIVE_INT, (r, v) -> r.getTraining().setEpochs((Integer) v)),
    MAX_STEPS("maxSteps", Kind.NON_NEGATIVE_INT, (r, v) -> r.getTraining().setMaxSteps((Integer) v)),
    WARMUP_RATIO("warmupRatio", Kind.FRACTION, (r, v) -> r.getTraining().setWarmupRatio((Double) v)),
    WEIGHT_DECAY("weightDecay", Kind.NON_NEGATIVE_NUMBER, (r, v) -> r.getTraining().setWeightDecay((Double) v)),
    GRADIENT_CLIP("gradientClip", Kind.NON_NEGATIVE_NUMBER, (r, v) -> r.getTraining().setGradientClip((Double) v)),
    EVAL_EVERY("evalEvery", Kind.NON_NEGATIVE_INT, (r, v) -> r.getTraining().setEvalEvery((Integer) v)),
    CHECKPOINT_EVERY("checkpointEvery", Kind.NON_NEGATIVE_INT, (r, v) -> r.getTraining().setCheckpointEvery((Integer) v)),
    MAX_LENGTH("maxLength", Kind.POSITIVE_INT, (r, v) -> r.getTraining().setMaxLength((Integer) v)),
    TRAIN_SAMPLES("trainSamples", Kind.NON_NEGATIVE_INT, (r, v) -> r.getTraining().setTrainSamples((Integer) v)),
    EVAL_BATCH_SIZE("evalBatchSize", Kind.POSITIVE_INT, (r, v) -> r.getTraining().setEvalBatchSize((Integer) v)),
    SEED("seed", Kind.NON_NEGATIVE_INT, (r, v) -> r.setSeed(((Integer) v).longValue())),
    PRIORITY("priority", Kind.INT, (r, v) -> r.setPriority((Integer) v)),
    MAX_WALL_SECONDS("maxWallSeconds", Kind.POSITIVE_INT, (r, v) -> r.setMaxWallSeconds(((Integer) v).longValue()));

    private static final Map<String, ExperimentField> BY_NAME =
            Arrays.stream(values()).collect(Collectors.toMap(f -> f.fieldName, Function.identity()));

    private final String fieldName;
    private final Kind kind;
    private final BiConsumer<ExperimentRequest, Object> setter;

    ExperimentField(String fieldName, Kind kind, BiConsumer<ExperimentRequest, Object> setter) {
        this.fieldName = fieldName;
        this.kind = kind;
        this.setter = setter;
    }

    public String fieldName() {
        return fieldName;
    }

    /** The field named {@code name}, or an error listing the valid names; {@code where} says where it was written. */
    public static ExperimentField named(String name, String where) {
        ExperimentField field = BY_NAME.get(name);
        if (field == null) {
            throw new InvalidSweepException(where + ": unknown field '" + name + "'; valid fields: "
                    + String.join(", ", Arrays.stream(values()).map(f -> f.fieldName).toList()));
        }
        return field;
    }

    public static Set<String> names() {
        return BY_NAME.keySet();
    }

    /**
     * The value checked and converted to what the request holds (integers, doubles, strings, a method id, a list
     * of strings), so that equal settings written differently ({@code 5e-4}, {@code 0.0005}) plan the same run.
     */
    public Object normalise(Object raw, String where) {
        String at = where + "." + fieldName;
        Object value = kind != Kind.TEXT && kind != Kind.TEXT_LIST && kind != Kind.METHOD ? numeric(raw) : raw;
        return switch (kind) {
            case TEXT -> text(value, at);
            case TEXT_LIST -> textList(value, at);
            case METHOD -> method(value, at);
            case INT -> integer(value, at, Integer.MIN_VALUE);
            case POSITIVE_INT -> integer(value, at, 1);
            case NON_NEGATIVE_INT -> integer(value, at, 0);
            case POSITIVE_NUMBER -> number(value, at, false, Double.POSITIVE_INFINITY);
            case NON_NEGATIVE_NUMBER -> number(value, at, true, Double.POSITIVE_INFINITY);
            case FRACTION -> number(value, at, true, 1);
        };
    }

    /**
     * Whether the field is part of what the run is, and so of its id. Priority only says how urgently to run it:
     * submitting a sweep again with another priority must not make new runs.
     */
    public boolean identifying() {
        return this != PRIORITY;
    }

    public void apply(ExperimentRequest request, Object normalised) {
        setter.accept(request, normalised);
    }

    private enum Kind { TEXT, TEXT_LIST, METHOD, INT, POSITIVE_INT, NON_NEGATIVE_INT, POSITIVE_NUMBER, NON_NEGATIVE_NUMBER, FRACTION }

    static String text(Object value, String at) {
        if (!(value instanceof String s) || s.isBlank()) {
            throw new InvalidSweepException(at + " must be a non-empty string, got " + describe(value));
        }
        return s.trim();
    }

    private static List<String> textList(Object value, String at) {
        if (value instanceof String s) {
            return Arrays.stream(s.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
        }
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            throw new InvalidSweepException(at + " must be a non-empty list of names, got " + describe(value));
        }
        return list.stream().map(item -> text(item, at)).toList();
    }

    private static AdapterMethodId method(Object value, String at) {
        String id = text(value, at).toLowerCase(Locale.ROOT);
        List<String> valid = Arrays.stream(AdapterMethodId.values()).filter(m -> m != AdapterMethodId.unknown)
                .map(Enum::name).toList();
        if (!valid.contains(id)) {
            throw new InvalidSweepException(at + ": unknown method '" + value + "'; valid methods: " + String.join(", ", valid));
        }
        return AdapterMethodId.valueOf(id);
    }

    static Integer integer(Object value, String at, int minimum) {
        if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
                || Math.abs(n.doubleValue()) > Integer.MAX_VALUE) {
            throw new InvalidSweepException(at + " must be a whole number, got " + describe(value));
        }
        if (n.intValue() < minimum) {
            throw new InvalidSweepException(at + " must be at least " + minimum + ", got " + n.intValue());
        }
        return n.intValue();
    }

    static Double number(Object value, String at, boolean zeroAllowed, double maximum) {
        if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            throw new InvalidSweepException(at + " must be a number, got " + describe(value));
        }
        double d = n.doubleValue();
        if (d < 0 || (!zeroAllowed && d == 0) || d > maximum || (maximum == 1 && d == 1)) {
            String range = maximum == 1 ? "in [0, 1)" : zeroAllowed ? "non-negative" : "positive";
            throw new InvalidSweepException(at + " must be " + range + ", got " + d);
        }
        return d;
    }

    /** YAML 1.1 reads {@code 5e-4} (no dot) as text: numbers written so are taken as numbers. */
    static Object numeric(Object value) {
        if (value instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                return value;
            }
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    private static List<String> castList(Object value) {
        return (List<String>) value;
    }

    static String describe(Object value) {
        return value == null ? "nothing" : value instanceof String ? "'" + value + "'" : value.toString();
    }
}
