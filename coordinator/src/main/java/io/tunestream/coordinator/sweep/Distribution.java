package io.tunestream.coordinator.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunestream.schemas.ExperimentField;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Where a sampled field's values come from, as a sweep file's {@code search.space} writes it (docs/sweeps.md):
 *
 * <pre>
 * learningRate: {loguniform: [1.0e-5, 1.0e-2]}   # log-uniform between the two, both positive
 * dropout:      {uniform: [0.0, 0.2]}
 * batchSize:    {int: [8, 64]}                    # a whole number, both ends included, each equally likely
 * evalEvery:    {qloguniform: [50, 500, 50]}      # log-uniform, rounded to a multiple of the third
 * rank:         {choice: [4, 8, 16]}
 * </pre>
 *
 * Drawn numbers keep four significant digits, so that a run's settings (and so its id) read as a person would
 * write them; logarithms use {@link StrictMath}, whose results are the same on every machine, so a sweep file gives
 * the same values everywhere.
 */
public sealed interface Distribution {

    MathContext DIGITS = new MathContext(4);

    /** One value, of the field's type before {@link ExperimentField#normalise}. */
    Object sample(SplittableRandom random);

    record Uniform(double low, double high) implements Distribution {
        @Override
        public Object sample(SplittableRandom random) {
            return round(low + random.nextDouble() * (high - low));
        }
    }

    record LogUniform(double low, double high) implements Distribution {
        @Override
        public Object sample(SplittableRandom random) {
            double log = StrictMath.log(low) + random.nextDouble() * (StrictMath.log(high) - StrictMath.log(low));
            return round(Math.min(high, Math.max(low, StrictMath.exp(log))));
        }
    }

    record IntUniform(long low, long high) implements Distribution {
        @Override
        public Object sample(SplittableRandom random) {
            return random.nextLong(low, high + 1);
        }
    }

    /** Log-uniform on [low, high], rounded to the nearest multiple of {@code step}, kept within the bounds. */
    record QLogUniform(double low, double high, double step) implements Distribution {
        @Override
        public Object sample(SplittableRandom random) {
            double log = StrictMath.log(low) + random.nextDouble() * (StrictMath.log(high) - StrictMath.log(low));
            return nearest(StrictMath.exp(log));
        }

        /** The multiple of {@code step} within the bounds nearest {@code value}. */
        public Object nearest(double value) {
            double rounded = Math.rint(value / step) * step;
            double first = Math.ceil(low / step) * step;
            double last = Math.floor(high / step) * step;
            return round(Math.min(last, Math.max(first, rounded)));
        }
    }

    record Choice(List<Object> values) implements Distribution {
        public Choice {
            values = List.copyOf(values);
        }

        @Override
        public Object sample(SplittableRandom random) {
            return values.get(random.nextInt(values.size()));
        }
    }

    /** {@code value} with four significant digits, as every drawn number is. */
    static Object round(double value) {
        return new BigDecimal(value).round(DIGITS).doubleValue();
    }

    /**
     * Reads {@code field}'s distribution from {@code node} ({@code {loguniform: [1e-5, 1e-2]}}), checking its bounds and
     * choices against the field's own range, so that every value it can give is one the field takes.
     */
    static Distribution read(ExperimentField field, JsonNode node, Function<JsonNode, Object> plain) {
        String at = "search.space." + field.fieldName();
        if (!node.isObject() || node.size() != 1) {
            throw new InvalidSweepException(at + " must be one of {uniform: [LOW, HIGH]}, {loguniform: [LOW, HIGH]},"
                    + " {int: [LOW, HIGH]}, {qloguniform: [LOW, HIGH, STEP]} or {choice: [VALUES]}");
        }
        String kind = node.fieldNames().next();
        JsonNode arguments = node.get(kind);
        if (!arguments.isArray() || arguments.isEmpty()) {
            throw new InvalidSweepException(at + "." + kind + " must be a list");
        }
        if (kind.equals("choice")) {
            List<Object> values = new ArrayList<>();
            for (JsonNode value : arguments) {
                Object v = field.normaliseAs(plain.apply(value), at + ".choice");
                if (values.contains(v)) {
                    throw new InvalidSweepException(at + ".choice lists " + v + " twice");
                }
                values.add(v);
            }
            return new Choice(values);
        }
        boolean numeric = field.type() == ExperimentField.Type.NUMBER;
        boolean whole = field.type() == ExperimentField.Type.INT || field.type() == ExperimentField.Type.LONG;
        if (!numeric && !whole) {
            throw new InvalidSweepException(at + ": " + field.fieldName() + " is not a number; sample it with {choice: [...]}");
        }
        int expected = kind.equals("qloguniform") ? 3 : 2;
        if (arguments.size() != expected) {
            throw new InvalidSweepException(at + "." + kind + " takes " + (expected == 3 ? "[LOW, HIGH, STEP]" : "[LOW, HIGH]")
                    + ", got " + arguments.size() + " value(s)");
        }
        double low = ((Number) field.normaliseAs(plain.apply(arguments.get(0)), at + "." + kind)).doubleValue();
        double high = ((Number) field.normaliseAs(plain.apply(arguments.get(1)), at + "." + kind)).doubleValue();
        if (!(low < high)) {
            throw new InvalidSweepException(at + "." + kind + ": the low bound " + low + " must be below the high " + high);
        }
        if ((kind.equals("loguniform") || kind.equals("qloguniform")) && low <= 0) {
            throw new InvalidSweepException(at + "." + kind + ": a log scale needs a positive low bound, got " + low);
        }
        return switch (kind) {
            case "uniform" -> {
                if (whole) {
                    throw new InvalidSweepException(at + ": " + field.fieldName() + " is a whole number; use {int: [LOW, HIGH]}"
                            + " or {qloguniform: [LOW, HIGH, STEP]}");
                }
                yield new Uniform(low, high);
            }
            case "loguniform" -> {
                if (whole) {
                    throw new InvalidSweepException(at + ": " + field.fieldName() + " is a whole number; use"
                            + " {qloguniform: [LOW, HIGH, 1]}");
                }
                yield new LogUniform(low, high);
            }
            case "int" -> {
                if (!whole) {
                    throw new InvalidSweepException(at + ": {int: ...} is for whole-number fields; " + field.fieldName()
                            + " takes {uniform: ...} or {loguniform: ...}");
                }
                yield new IntUniform((long) low, (long) high);
            }
            case "qloguniform" -> {
                Object given = ExperimentField.numeric(plain.apply(arguments.get(2)));
                double step = given instanceof Number n ? n.doubleValue() : Double.NaN;
                if (!(step > 0) || (whole && step != Math.rint(step)) || Math.floor(high / step) * step < low) {
                    throw new InvalidSweepException(at + ".qloguniform: the step must be positive" + (whole ? " and whole" : "")
                            + ", with a multiple of it between the bounds; got " + arguments.get(2));
                }
                yield new QLogUniform(low, high, step);
            }
            default -> throw new InvalidSweepException(at + ": unknown distribution '" + kind
                    + "'; valid: uniform, loguniform, int, qloguniform, choice");
        };
    }
}
