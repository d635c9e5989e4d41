package io.tunestream.schemas;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A quality measure of predictions on an evaluation set (docs/tasks.md, "Metrics"), named as messages, sweep files
 * and tables name it. Higher is better for every one, so the best checkpoint, early stopping and result sorting
 * compare them the same way. The two composite metrics are GLUE's primary metrics for MRPC/QQP and STS-B: the mean
 * of their two parts.
 */
public enum Metric {
    ACCURACY("accuracy", false, false, true),
    /** F1 of the positive class: the label with id 1 (the second in the task's label order). */
    F1("f1", false, true, true),
    MACRO_F1("macro_f1", false, false, true),
    MATTHEWS("matthews", false, false, false),
    F1_ACCURACY("f1_accuracy", false, true, true),
    PEARSON("pearson", true, false, false),
    SPEARMAN("spearman", true, false, false),
    PEARSON_SPEARMAN("pearson_spearman", true, false, false);

    private final String id;
    private final boolean regression;
    private final boolean binaryOnly;
    private final boolean share;

    Metric(String id, boolean regression, boolean binaryOnly, boolean share) {
        this.id = id;
        this.regression = regression;
        this.binaryOnly = binaryOnly;
        this.share = share;
    }

    /** The name used everywhere a metric is shown or streamed. */
    public String id() {
        return id;
    }

    /** Whether the metric means something for a regression task, or a classification over {@code labelCount} labels. */
    public boolean fits(boolean regressionTask, int labelCount) {
        return regression == regressionTask && (regression || !binaryOnly || labelCount == 2);
    }

    /** Whether values are shares of the set (accuracy, the F1 scores), shown as percentages; else correlations. */
    public boolean isShare() {
        return share;
    }

    /** The metric named {@code id}, if there is one. */
    public static java.util.Optional<Metric> find(String id) {
        String wanted = id == null ? "" : id.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(m -> m.id.equals(wanted)).findFirst();
    }

    public static Metric fromId(String id) {
        return find(id).orElseThrow(() ->
                new IllegalArgumentException("unknown metric '" + id + "'; valid metrics: " + ids(List.of(values()))));
    }

    public static String ids(List<Metric> metrics) {
        return metrics.stream().map(Metric::id).collect(Collectors.joining(", "));
    }
}
