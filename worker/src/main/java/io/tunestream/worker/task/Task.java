package io.tunestream.worker.task;

import io.tunestream.schemas.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a dataset asks of the model, which fixes its head, its loss and its metrics (docs/tasks.md): classification
 * over named labels (one logit per label, cross-entropy) or regression to one number (one output, mean squared
 * error). A label's id is its position in {@link #labels}, an order recorded with every run so that ids keep their
 * names in reports and exports.
 *
 * @param kind classification or regression
 * @param labels the label names in id order (classification); empty for regression
 * @param metric the primary metric: the best checkpoint, early stopping and result sorting use it
 */
public record Task(Kind kind, List<String> labels, Metric metric) {

    /** The kinds of task a head can be built for. */
    public enum Kind {
        CLASSIFICATION, REGRESSION;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind fromId(String id) {
            for (Kind kind : values()) {
                if (kind.id().equals(id == null ? "" : id.trim().toLowerCase(Locale.ROOT))) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown task '" + id + "'; valid tasks: classification, regression");
        }
    }

    public Task {
        labels = List.copyOf(labels);
        if (kind == Kind.CLASSIFICATION && labels.size() < 2) {
            throw new IllegalArgumentException("a classification task needs at least 2 labels, got " + labels);
        }
        if (kind == Kind.REGRESSION && !labels.isEmpty()) {
            throw new IllegalArgumentException("a regression task has no labels, got " + labels);
        }
        if (labels.stream().distinct().count() != labels.size()) {
            throw new IllegalArgumentException("labels must be distinct, got " + labels);
        }
        if (!metric.fits(kind == Kind.REGRESSION, labels.size())) {
            throw new IllegalArgumentException("metric '" + metric.id() + "' does not fit a " + describe(kind, labels.size())
                    + " task; valid metrics: " + Metric.ids(fitting(kind, labels.size())));
        }
    }

    /** GLUE SST-2's task: binary sentiment, labels 0 and 1, accuracy. */
    public static final Task BINARY = new Task(Kind.CLASSIFICATION, List.of("0", "1"), Metric.ACCURACY);

    /** The primary metric a task has when its dataset names none: accuracy, or Pearson/Spearman mean. */
    public static Metric defaultMetric(Kind kind) {
        return kind == Kind.CLASSIFICATION ? Metric.ACCURACY : Metric.PEARSON_SPEARMAN;
    }

    /** The metrics that fit a task of this kind and label count, in the order they are shown. */
    public static List<Metric> fitting(Kind kind, int labelCount) {
        return List.of(Metric.values()).stream().filter(m -> m.fits(kind == Kind.REGRESSION, labelCount)).toList();
    }

    /** Outputs of the head: one per label, or one for regression. */
    public int outputs() {
        return kind == Kind.CLASSIFICATION ? labels.size() : 1;
    }

    public boolean isRegression() {
        return kind == Kind.REGRESSION;
    }

    /** The metrics every evaluation reports: each basic metric that fits, then the primary one if it is composite. */
    public List<Metric> reported() {
        List<Metric> reported = new ArrayList<>();
        for (Metric m : fitting(kind, labels.size())) {
            if (m != Metric.F1_ACCURACY && m != Metric.PEARSON_SPEARMAN) {
                reported.add(m);
            }
        }
        if (!reported.contains(metric)) {
            reported.add(metric);
        }
        return reported;
    }

    /** HuggingFace's {@code problem_type} for this task. */
    public String problemType() {
        return kind == Kind.CLASSIFICATION ? "single_label_classification" : "regression";
    }

    /** "binary classification", "3-label classification", "regression". */
    public String description() {
        return describe(kind, labels.size());
    }

    private static String describe(Kind kind, int labelCount) {
        if (kind == Kind.REGRESSION) {
            return "regression";
        }
        return labelCount == 2 ? "binary classification" : labelCount + "-label classification";
    }
}
