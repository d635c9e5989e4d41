package io.tunestream.worker.task;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A quality measure of predictions on an evaluation set (docs/tasks.md, "Metrics"). Higher is better for every one,
 * so the best checkpoint, early stopping and result sorting compare them the same way. The two composite metrics are
 * GLUE's primary metrics for MRPC/QQP and STS-B: the mean of their two parts.
 */
public enum Metric {
    ACCURACY("accuracy", Task.Kind.CLASSIFICATION, false),
    /** F1 of the positive class: the label with id 1 (the second in the task's label order). */
    F1("f1", Task.Kind.CLASSIFICATION, true),
    MACRO_F1("macro_f1", Task.Kind.CLASSIFICATION, false),
    MATTHEWS("matthews", Task.Kind.CLASSIFICATION, false),
    F1_ACCURACY("f1_accuracy", Task.Kind.CLASSIFICATION, true),
    PEARSON("pearson", Task.Kind.REGRESSION, false),
    SPEARMAN("spearman", Task.Kind.REGRESSION, false),
    PEARSON_SPEARMAN("pearson_spearman", Task.Kind.REGRESSION, false);

    private final String id;
    private final Task.Kind kind;
    private final boolean binaryOnly;

    Metric(String id, Task.Kind kind, boolean binaryOnly) {
        this.id = id;
        this.kind = kind;
        this.binaryOnly = binaryOnly;
    }

    /** The name used everywhere a metric is shown or streamed. */
    public String id() {
        return id;
    }

    /** Whether the metric means something for a task of {@code kind} with {@code labelCount} labels. */
    public boolean fits(Task.Kind taskKind, int labelCount) {
        return kind == taskKind && (!binaryOnly || labelCount == 2);
    }

    public static Metric fromId(String id) {
        String wanted = id == null ? "" : id.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(m -> m.id.equals(wanted)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown metric '" + id + "'; valid metrics: " + ids(List.of(values()))));
    }

    public static String ids(List<Metric> metrics) {
        return metrics.stream().map(Metric::id).collect(Collectors.joining(", "));
    }
}
