package io.tunestream.schemas;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The experiment's fields, each defined once (docs/experiment.md): its name (as in experiment and sweep files, in
 * camelCase), its type and allowed range, its default, its help, its {@code tunestream train} option and where it
 * sits in an {@link ExperimentRequest}. The CLI's options, sweep validation, the worker's request mapping and
 * config checks, and the docs' field table all read it, and {@link #normalise} and {@link #check} are the one
 * validator coordinator and worker share. What needs a model to check (a rank larger than a projection) the worker
 * checks when it builds one.
 */
public enum ExperimentField {
    MODEL("model", Type.TEXT, null, "--model", "minilm-l6",
            "Model reference: minilm-l6, hf:DIR under the worker's model roots, or random:tiny|minilm-l6|bert-base[@SEED].",
            ExperimentRequest::getModel, (r, v) -> r.setModel((String) v)),
    DATASET("dataset", Type.TEXT, null, "--dataset", "glue-sst2",
            "Named dataset: glue-cola, glue-sst2, glue-mrpc, glue-qqp, glue-stsb, glue-mnli, glue-qnli, glue-rte, glue-wnli,"
                    + " or a folder with dataset.yaml in a data directory (docs/tasks.md).",
            ExperimentRequest::getDataset, (r, v) -> r.setDataset((String) v)),
    METHOD("method", Type.METHOD, null, "--method", null, "lora, dora, salt, salt_edora, edora, head_only or full.",
            r -> r.getMethod() == null ? null : r.getMethod().name(), (r, v) -> r.setMethod((AdapterMethodId) v)),
    RANK("rank", Type.INT, Range.atLeast(1), "--rank", "8", "Adapter rank.",
            r -> r.getAdapter().getRank(), (r, v) -> r.getAdapter().setRank((Integer) v)),
    ALPHA("alpha", Type.NUMBER, Range.POSITIVE, "--alpha", "2 x rank", "Adapter scale numerator; updates are scaled by alpha/rank.",
            r -> r.getAdapter().getAlpha(), (r, v) -> r.getAdapter().setAlpha((Double) v)),
    DROPOUT("dropout", Type.NUMBER, Range.FRACTION, "--dropout", "0.1 for lora and dora, else 0", "Dropout on the adapter path.",
            r -> r.getAdapter().getDropout(), (r, v) -> r.getAdapter().setDropout((Double) v)),
    TARGETS("targets", Type.TEXT_LIST, null, "--targets", "query,key,value",
            "Projections to patch: query, key, value, attention_output, intermediate, output.",
            r -> r.getAdapter().getTargets(), (r, v) -> r.getAdapter().setTargets(texts(v))),
    TAIL_MODE("tailMode", Type.TEXT, null, "--tail-mode", "free", "salt_edora only: free or polar.",
            r -> r.getAdapter().getTailMode(), (r, v) -> r.getAdapter().setTailMode((String) v), AdapterMethodId.salt_edora),
    LEARNING_RATE("learningRate", Type.NUMBER, Range.POSITIVE, "--lr", "the method's, e.g. 5e-4 for lora", "Peak learning rate.",
            r -> r.getTraining().getLearningRate(), (r, v) -> r.getTraining().setLearningRate((Double) v)),
    BATCH_SIZE("batchSize", Type.INT, Range.between(1, 65_536), "--batch-size", "32",
            "Training batch size: examples per forward pass (a micro-batch when gradAccum is above 1).",
            r -> r.getTraining().getBatchSize(), (r, v) -> r.getTraining().setBatchSize((Integer) v)),
    GRAD_ACCUM("gradAccum", Type.INT, Range.between(1, 4_096), "--grad-accum", "1",
            "Micro-batches per optimizer step, each of batchSize: the effective batch is batchSize x N, and the schedule"
                    + " counts optimizer steps.",
            r -> r.getTraining().getGradAccum(), (r, v) -> r.getTraining().setGradAccum((Integer) v)),
    PRECISION("precision", Type.TEXT, null, "--precision", "fp32",
            "fp32, or fp16: mixed precision (a float16 frozen backbone and activations; float32 adapters, head, LayerNorm,"
                    + " softmax and loss; dynamic loss scaling).",
            r -> r.getTraining().getPrecision(), (r, v) -> r.getTraining().setPrecision((String) v)),
    EPOCHS("epochs", Type.INT, Range.between(1, 100_000), "--epochs", "1", "Passes over the training set.",
            r -> r.getTraining().getEpochs(), (r, v) -> r.getTraining().setEpochs((Integer) v)),
    MAX_STEPS("maxSteps", Type.INT, Range.atLeast(0), "--max-steps", "0", "Stop after this many steps; 0: no limit.",
            r -> r.getTraining().getMaxSteps(), (r, v) -> r.getTraining().setMaxSteps((Integer) v)),
    WARMUP_RATIO("warmupRatio", Type.NUMBER, Range.FRACTION, "--warmup-ratio", "0.06",
            "Share of the steps spent warming up linearly, then linear decay to zero.",
            r -> r.getTraining().getWarmupRatio(), (r, v) -> r.getTraining().setWarmupRatio((Double) v)),
    WEIGHT_DECAY("weightDecay", Type.NUMBER, Range.NON_NEGATIVE, "--weight-decay", "0.01",
            "AdamW weight decay, not applied to biases and LayerNorm.",
            r -> r.getTraining().getWeightDecay(), (r, v) -> r.getTraining().setWeightDecay((Double) v)),
    GRADIENT_CLIP("gradientClip", Type.NUMBER, Range.NON_NEGATIVE, "--gradient-clip", "1.0",
            "Maximum global gradient norm; 0: no clipping.",
            r -> r.getTraining().getGradientClip(), (r, v) -> r.getTraining().setGradientClip((Double) v)),
    EVAL_EVERY("evalEvery", Type.INT, Range.atLeast(0), "--eval-every", "500",
            "Evaluate (and keep the best checkpoint) every N steps and at each epoch end; 0: epoch ends only.",
            r -> r.getTraining().getEvalEvery(), (r, v) -> r.getTraining().setEvalEvery((Integer) v)),
    CHECKPOINT_EVERY("checkpointEvery", Type.INT, Range.atLeast(0), "--checkpoint-every", "0",
            "Write a resumable checkpoint every N steps; 0: at evaluations only.",
            r -> r.getTraining().getCheckpointEvery(), (r, v) -> r.getTraining().setCheckpointEvery((Integer) v)),
    MAX_LENGTH("maxLength", Type.INT, Range.between(3, 512), "--max-length", "128",
            "Truncate inputs to N tokens (a pair's longer text first); at most BERT's 512 positions.",
            r -> r.getTraining().getMaxLength(), (r, v) -> r.getTraining().setMaxLength((Integer) v)),
    TRAIN_SAMPLES("trainSamples", Type.INT, Range.atLeast(0), "--train-samples", "0",
            "Train on a seeded subset of N examples; 0: all.",
            r -> r.getTraining().getTrainSamples(), (r, v) -> r.getTraining().setTrainSamples((Integer) v)),
    EVAL_BATCH_SIZE("evalBatchSize", Type.INT, Range.between(1, 65_536), "--eval-batch-size", "64", "Evaluation batch size.",
            r -> r.getTraining().getEvalBatchSize(), (r, v) -> r.getTraining().setEvalBatchSize((Integer) v)),
    SEED("seed", Type.LONG, Range.atLeast(0), "--seed", "42", "Seed for the subset, order, initialisation and dropout.",
            ExperimentRequest::getSeed, (r, v) -> r.setSeed((Long) v)),
    PRIORITY("priority", Type.INT, null, null, "0",
            "Sweeps: higher runs first; waiting runs age, so none waits forever. Not part of the run's identity.",
            ExperimentRequest::getPriority, (r, v) -> r.setPriority((Integer) v)),
    MAX_WALL_SECONDS("maxWallSeconds", Type.LONG, Range.atLeast(1), null, "none",
            "Sweeps: an attempt still training after this many seconds stops and fails (kind BUDGET), its checkpoint kept.",
            ExperimentRequest::getMaxWallSeconds, (r, v) -> r.setMaxWallSeconds((Long) v));

    /** What a field holds. */
    public enum Type { TEXT, TEXT_LIST, METHOD, INT, LONG, NUMBER }

    /** The values a number may take, with the sentence that says so. */
    public record Range(double min, boolean minInclusive, double max, boolean maxInclusive) {
        static final Range POSITIVE = new Range(0, false, Double.POSITIVE_INFINITY, false);
        static final Range NON_NEGATIVE = new Range(0, true, Double.POSITIVE_INFINITY, false);
        static final Range FRACTION = new Range(0, true, 1, false);

        static Range atLeast(long min) {
            return new Range(min, true, Double.POSITIVE_INFINITY, false);
        }

        static Range between(long min, long max) {
            return new Range(min, true, max, true);
        }

        boolean contains(double value) {
            return (minInclusive ? value >= min : value > min) && (Double.isInfinite(max) || (maxInclusive ? value <= max : value < max));
        }

        /** "at least 1", "between 3 and 512", "a positive number", "non-negative", "in [0, 1)". */
        public String describe(boolean whole) {
            if (whole) {
                return Double.isInfinite(max) ? "at least " + (long) min : "between " + (long) min + " and " + (long) max;
            }
            if (this.equals(POSITIVE)) {
                return "a positive number";
            }
            if (this.equals(NON_NEGATIVE)) {
                return "non-negative";
            }
            return "in " + (minInclusive ? "[" : "(") + plain(min) + ", " + plain(max) + (maxInclusive ? "]" : ")");
        }

        private static String plain(double value) {
            return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
        }
    }

    private static final Map<String, ExperimentField> BY_NAME =
            Arrays.stream(values()).collect(Collectors.toMap(f -> f.fieldName, Function.identity()));

    private final String fieldName;
    private final Type type;
    private final Range range;
    private final String option;
    private final String defaultText;
    private final String help;
    private final Function<ExperimentRequest, Object> getter;
    private final BiConsumer<ExperimentRequest, Object> setter;
    private final AdapterMethodId onlyFor;

    ExperimentField(String fieldName, Type type, Range range, String option, String defaultText, String help,
            Function<ExperimentRequest, Object> getter, BiConsumer<ExperimentRequest, Object> setter) {
        this(fieldName, type, range, option, defaultText, help, getter, setter, null);
    }

    ExperimentField(String fieldName, Type type, Range range, String option, String defaultText, String help,
            Function<ExperimentRequest, Object> getter, BiConsumer<ExperimentRequest, Object> setter, AdapterMethodId onlyFor) {
        this.onlyFor = onlyFor;
        this.fieldName = fieldName;
        this.type = type;
        this.range = range;
        this.option = option;
        this.defaultText = defaultText;
        this.help = help;
        this.getter = getter;
        this.setter = setter;
    }

    public String fieldName() {
        return fieldName;
    }

    public Type type() {
        return type;
    }

    public Optional<Range> range() {
        return Optional.ofNullable(range);
    }

    /** The {@code tunestream train} option, if the field is one ({@code priority} belongs to sweeps only). */
    public Optional<String> option() {
        return Optional.ofNullable(option);
    }

    /** The default as a sentence ({@code 32}, {@code the method's, e.g. 5e-4 for lora}); null: none (required). */
    public String defaultText() {
        return defaultText;
    }

    public String help() {
        return help;
    }

    /** The method the field is an option of, for an option of one method (salt_edora's tail mode); empty: every method. */
    public Optional<AdapterMethodId> onlyFor() {
        return Optional.ofNullable(onlyFor);
    }

    /** Whether the field means something for {@code method} (a method id). */
    public boolean appliesTo(String method) {
        return onlyFor == null || onlyFor.name().equals(method);
    }

    /**
     * Refuses a value set for a method the field is not an option of: {@code tailMode} with lora says nothing lora
     * could follow, and is a mistake to report rather than to ignore.
     *
     * @throws InvalidFieldException naming this field
     */
    public void checkMethod(String method, Object value) {
        if (value != null && !appliesTo(method)) {
            throw new InvalidFieldException(fieldName, fieldName + " is an option of " + onlyFor.name() + " only; method '"
                    + method + "' has none");
        }
    }

    /** Where the field sits in an {@link ExperimentRequest}: {@code training.batchSize}. */
    public String requestPath() {
        return switch (this) {
            case RANK, ALPHA, DROPOUT, TARGETS, TAIL_MODE -> "adapter." + fieldName;
            case LEARNING_RATE, BATCH_SIZE, GRAD_ACCUM, PRECISION, EPOCHS, MAX_STEPS, WARMUP_RATIO, WEIGHT_DECAY, GRADIENT_CLIP, EVAL_EVERY,
                    CHECKPOINT_EVERY, MAX_LENGTH, TRAIN_SAMPLES, EVAL_BATCH_SIZE -> "training." + fieldName;
            default -> fieldName;
        };
    }

    /** The field named {@code name}, or an error listing the valid names; {@code where} says where it was written. */
    public static ExperimentField named(String name, String where) {
        ExperimentField field = BY_NAME.get(name);
        if (field == null) {
            throw new InvalidFieldException(name, where + ": unknown field '" + name + "'; valid fields: "
                    + String.join(", ", Arrays.stream(values()).map(f -> f.fieldName).toList()));
        }
        return field;
    }

    public static Optional<ExperimentField> find(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /**
     * Whether the field is part of what the run is, and so of its id. Priority only says how urgently to run it:
     * submitting a sweep again with another priority must not make new runs.
     */
    public boolean identifying() {
        return this != PRIORITY;
    }

    /**
     * The value converted to what the request holds (an Integer, Long, Double, String, method id or list of strings)
     * and checked, so that equal settings written differently ({@code 5e-4}, {@code 0.0005}) plan the same run.
     * {@code where} prefixes the message ({@code grid} gives {@code grid.rank must be at least 1, got 0}).
     *
     * @throws InvalidFieldException naming this field
     */
    public Object normalise(Object raw, String where) {
        return normaliseAs(raw, where == null || where.isEmpty() ? fieldName : where + "." + fieldName);
    }

    /**
     * {@link #normalise} with the message naming {@code label}, what the user wrote the value as: {@code --lr}
     * gives {@code --lr must be a positive number, got -1e-4}, with the value as it was typed.
     *
     * @throws InvalidFieldException naming this field
     */
    public Object normaliseAs(Object raw, String label) {
        String at = label;
        Object value = switch (type) {
            case TEXT -> this == PRECISION ? precision(raw, at) : text(raw, at);
            case TEXT_LIST -> textList(raw, at);
            case METHOD -> method(raw, at);
            case INT -> (int) whole(numeric(raw), at, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case LONG -> whole(numeric(raw), at, Long.MIN_VALUE, Long.MAX_VALUE);
            case NUMBER -> number(numeric(raw), at);
        };
        inRange(value, raw instanceof String typed ? typed.trim() : value, at);
        return value;
    }

    /**
     * Checks a value already of the field's type (a config's, a request's): null is "not set" and passes.
     *
     * @throws InvalidFieldException naming this field
     */
    public void check(Object value) {
        if (value != null) {
            normalise(value instanceof AdapterMethodId id ? id.name() : value, "");
        }
    }

    /** The field's value in {@code request} (null: not set, the method's default). */
    public Object read(ExperimentRequest request) {
        return getter.apply(request);
    }

    /** Sets a {@link #normalise normalised} value in {@code request}. */
    public void apply(ExperimentRequest request, Object normalised) {
        setter.accept(request, normalised);
    }

    private void inRange(Object value, Object shown, String at) {
        if (range == null || !(value instanceof Number n) || range.contains(n.doubleValue())) {
            return;
        }
        boolean whole = type == Type.INT || type == Type.LONG;
        if (whole && Double.isInfinite(range.max())) {
            throw new InvalidFieldException(fieldName, at + " must be at least " + (long) range.min() + ", got " + shown);
        }
        if (whole) {
            throw new InvalidFieldException(fieldName, at + " must be " + (n.doubleValue() < range.min()
                    ? "at least " + (long) range.min() : "at most " + (long) range.max()) + ", got " + shown);
        }
        throw new InvalidFieldException(fieldName, at + " must be " + range.describe(false) + ", got " + shown);
    }

    private String text(Object value, String at) {
        if (!(value instanceof String s) || s.isBlank()) {
            throw new InvalidFieldException(fieldName, at + " must be a non-empty string, got " + describe(value));
        }
        return s.trim();
    }

    /** The precisions a worker trains in (docs/worker.md#precision). */
    public static final List<String> PRECISIONS = List.of("fp32", "fp16");

    private String precision(Object value, String at) {
        String id = text(value, at).toLowerCase(Locale.ROOT);
        if (id.equals("bf16")) {
            throw new InvalidFieldException(fieldName, at + ": bf16 is not available, the engine (DJL 0.36's PyTorch bindings)"
                    + " has no bfloat16 tensors; valid precisions: " + String.join(", ", PRECISIONS));
        }
        if (!PRECISIONS.contains(id)) {
            throw new InvalidFieldException(fieldName, at + ": unknown precision '" + value + "'; valid precisions: "
                    + String.join(", ", PRECISIONS));
        }
        return id;
    }

    private List<String> textList(Object value, String at) {
        if (value instanceof String s) {
            List<String> items = Arrays.stream(s.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
            if (!items.isEmpty()) {
                return items;
            }
        }
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            throw new InvalidFieldException(fieldName, at + " must be a non-empty list of names, got " + describe(value));
        }
        return list.stream().map(item -> text(item, at)).toList();
    }

    private AdapterMethodId method(Object value, String at) {
        String id = text(value, at).toLowerCase(Locale.ROOT);
        List<String> valid = Arrays.stream(AdapterMethodId.values()).filter(m -> m != AdapterMethodId.unknown)
                .map(Enum::name).toList();
        if (!valid.contains(id)) {
            throw new InvalidFieldException(fieldName, at + ": unknown method '" + value + "'; valid methods: " + String.join(", ", valid));
        }
        return AdapterMethodId.valueOf(id);
    }

    private long whole(Object value, String at, long minimum, long maximum) {
        if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
                || n.doubleValue() < minimum || n.doubleValue() > maximum) {
            throw new InvalidFieldException(fieldName, at + " must be a whole number, got " + describe(value));
        }
        return n.longValue();
    }

    private double number(Object value, String at) {
        if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            throw new InvalidFieldException(fieldName, at + " must be a number, got " + describe(value));
        }
        return n.doubleValue();
    }

    /** YAML 1.1 reads {@code 5e-4} (no dot) as text: numbers written so are taken as numbers. */
    public static Object numeric(Object value) {
        if (value instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                return value;
            }
        }
        return value;
    }

    public static String describe(Object value) {
        return value == null ? "nothing" : value instanceof String ? "'" + value + "'" : value.toString();
    }

    @SuppressWarnings("unchecked")
    private static List<String> texts(Object value) {
        return (List<String>) value;
    }

    /** The fields as the Markdown table docs/experiment.md holds: name, option, type and range, default, meaning. */
    public static String markdownTable() {
        StringBuilder table = new StringBuilder("| field | `train` option | values | default | meaning |\n| --- | --- | --- | --- | --- |\n");
        for (ExperimentField f : values()) {
            String values = switch (f.type) {
                case TEXT -> "text";
                case TEXT_LIST -> "list of names";
                case METHOD -> "method id";
                case INT, LONG -> "whole number" + f.range().map(r -> ", " + r.describe(true)).orElse("");
                case NUMBER -> f.range().map(r -> switch (r.describe(false)) {
                    case "a positive number" -> "positive number";
                    case "non-negative" -> "non-negative number";
                    default -> "number " + r.describe(false);
                }).orElse("number");
            };
            table.append("| `").append(f.fieldName).append("` | ").append(f.option().map(o -> "`" + o + "`").orElse("-"))
                    .append(" | ").append(values).append(" | ").append(f.defaultText == null ? "required" : f.defaultText)
                    .append(" | ").append(f.help.replace("|", "\\|")).append(" |\n");
        }
        return table.toString();
    }
}
