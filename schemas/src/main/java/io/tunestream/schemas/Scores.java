package io.tunestream.schemas;

/**
 * A run's primary metric as messages carry it (docs/tasks.md, "Metrics"). Records written before runs had tasks
 * carry only accuracy; these readers fall back to it, so that results mix old and new records correctly.
 */
public final class Scores {

    private Scores() {}

    /** The evaluation's value of its primary metric. */
    public static double primary(EvalMetric evaluation) {
        Double value = evaluation.getMetrics().get(evaluation.getMetric());
        return value != null ? value : evaluation.getAccuracy();
    }

    /** The best primary value a running or finished status reports, or NaN before any evaluation. */
    public static double best(RunStatus status) {
        if (status.getSummary() != null) {
            RunSummary summary = status.getSummary();
            return summary.getBestScore() != null ? summary.getBestScore() : summary.getBestAccuracy();
        }
        if (status.getBestScore() != null) {
            return status.getBestScore();
        }
        return status.getBestAccuracy() == null ? Double.NaN : status.getBestAccuracy();
    }

    /**
     * A metric's value as tables show it: shares (accuracy and the F1 scores) as percentages, correlations
     * (Matthews, Pearson, Spearman) as signed numbers; "-" for none.
     */
    public static String format(String metric, double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        // a further split's metric is named split.metric (MNLI's dev_mismatched.accuracy)
        String base = metric.substring(metric.lastIndexOf('.') + 1);
        return Metric.find(base).map(Metric::isShare).orElse(false) ? String.format(java.util.Locale.ROOT, "%.2f%%", 100 * value)
                : String.format(java.util.Locale.ROOT, "%.4f", value);
    }

    /** The primary metric's value at a finished run's last evaluation; a summary from before tasks holds accuracy. */
    public static double last(RunSummary summary) {
        Double value = summary.getFinalMetrics().get(summary.getMetric());
        return value != null ? value : summary.getFinalAccuracy();
    }

    /** The name of the primary metric of a status: the summary's when it has one. */
    public static String metric(RunStatus status) {
        return status.getSummary() != null ? status.getSummary().getMetric() : status.getMetric();
    }
}
