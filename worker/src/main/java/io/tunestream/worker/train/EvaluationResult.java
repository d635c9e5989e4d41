package io.tunestream.worker.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The quality of a model on an evaluation set: every metric its task reports, by name (docs/tasks.md, "Metrics"),
 * the task's primary metric, and the mean loss. With several evaluation splits (MNLI's matched and mismatched), the
 * metrics of the splits after the first are named {@code split.metric} ({@code dev_mismatched.accuracy}).
 *
 * @param metrics metric values by name, in the order they are shown
 * @param metric the name of the primary metric, one of {@code metrics}
 * @param loss mean loss on the first split (cross-entropy, or squared error for regression)
 * @param examples examples evaluated in the first split
 */
public record EvaluationResult(Map<String, Double> metrics, String metric, double loss, int examples) {

    public EvaluationResult {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        if (!metrics.containsKey(metric)) {
            throw new IllegalArgumentException("primary metric '" + metric + "' is not among " + metrics.keySet());
        }
    }

    /**
     * Reads a result as written, or as {@code summary.json} held it before tasks had their own metrics
     * ({@code accuracy}, {@code macroF1}, {@code loss}, {@code examples}), so older run directories still report.
     */
    @JsonCreator
    static EvaluationResult fromJson(@JsonProperty("metrics") Map<String, Double> metrics,
            @JsonProperty("metric") String metric, @JsonProperty("loss") double loss,
            @JsonProperty("examples") int examples, @JsonProperty("accuracy") Double accuracy,
            @JsonProperty("macroF1") Double macroF1) {
        if (metrics == null) {
            Map<String, Double> legacy = new LinkedHashMap<>();
            legacy.put("accuracy", accuracy == null ? Double.NaN : accuracy);
            legacy.put("macro_f1", macroF1 == null ? Double.NaN : macroF1);
            return new EvaluationResult(legacy, "accuracy", loss, examples);
        }
        return new EvaluationResult(metrics, metric, loss, examples);
    }

    /** The value of the primary metric: higher is better. */
    @JsonIgnore
    public double score() {
        return metrics.get(metric);
    }

    /** The value of metric {@code name}, or NaN if this evaluation has none of that name. */
    public double value(String name) {
        return metrics.getOrDefault(name, Double.NaN);
    }

    /** This result with {@code other}'s metrics added under {@code prefix.name}. */
    EvaluationResult withSplit(String prefix, EvaluationResult other) {
        Map<String, Double> all = new LinkedHashMap<>(metrics);
        other.metrics.forEach((name, value) -> all.put(prefix + "." + name, value));
        all.put(prefix + ".loss", other.loss);
        return new EvaluationResult(all, metric, loss, examples);
    }
}
