package io.tunestream.worker.task;

import io.tunestream.schemas.Metric;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The metrics of one evaluation, computed over the whole set at once (docs/tasks.md, "Metrics"). A metric whose
 * denominator is zero (every prediction the same class for Matthews, a constant prediction for Pearson) is 0, as
 * scikit-learn does for Matthews.
 */
public final class MetricValues {

    private MetricValues() {}

    /** Every metric {@code task} reports, by name, in the order {@link Task#reported()} gives. */
    public static Map<String, Double> classification(Task task, int[] labels, int[] predictions) {
        int classes = task.labels().size();
        long[][] confusion = new long[classes][classes];
        for (int i = 0; i < labels.length; i++) {
            confusion[labels[i]][predictions[i]]++;
        }
        Map<String, Double> values = new LinkedHashMap<>();
        for (Metric metric : task.reported()) {
            values.put(metric.id(), switch (metric) {
                case ACCURACY -> accuracy(confusion);
                case F1 -> f1(confusion, 1);
                case MACRO_F1 -> macroF1(confusion);
                case MATTHEWS -> matthews(confusion);
                case F1_ACCURACY -> (f1(confusion, 1) + accuracy(confusion)) / 2;
                default -> throw new IllegalArgumentException(metric.id() + " is not a classification metric");
            });
        }
        return values;
    }

    /** Every metric a regression task reports, by name. */
    public static Map<String, Double> regression(Task task, double[] targets, double[] predictions) {
        double pearson = pearson(targets, predictions);
        double spearman = spearman(targets, predictions);
        Map<String, Double> values = new LinkedHashMap<>();
        for (Metric metric : task.reported()) {
            values.put(metric.id(), switch (metric) {
                case PEARSON -> pearson;
                case SPEARMAN -> spearman;
                case PEARSON_SPEARMAN -> (pearson + spearman) / 2;
                default -> throw new IllegalArgumentException(metric.id() + " is not a regression metric");
            });
        }
        return values;
    }

    /** Share of correct predictions, from a confusion matrix {@code counts[label][prediction]}. */
    public static double accuracy(long[][] counts) {
        long correct = 0;
        long total = 0;
        for (int c = 0; c < counts.length; c++) {
            correct += counts[c][c];
            total += Arrays.stream(counts[c]).sum();
        }
        return total == 0 ? 0 : (double) correct / total;
    }

    /** F1 of class {@code positive}. */
    public static double f1(long[][] counts, int positive) {
        long truePositive = counts[positive][positive];
        long predicted = 0;
        long actual = 0;
        for (int other = 0; other < counts.length; other++) {
            predicted += counts[other][positive];
            actual += counts[positive][other];
        }
        double precision = predicted == 0 ? 0 : (double) truePositive / predicted;
        double recall = actual == 0 ? 0 : (double) truePositive / actual;
        return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }

    /** Unweighted mean of every class's F1. */
    public static double macroF1(long[][] counts) {
        return IntStream.range(0, counts.length).mapToDouble(c -> f1(counts, c)).average().orElse(0);
    }

    /**
     * Matthews correlation, in Gorodkin's K-class form (Gorodkin 2004, "Comparing two K-category assignments by a
     * K-category correlation coefficient"), which is the usual MCC for two classes.
     */
    public static double matthews(long[][] counts) {
        int k = counts.length;
        double samples = 0;
        double correct = 0;
        double[] predicted = new double[k];
        double[] actual = new double[k];
        for (int label = 0; label < k; label++) {
            correct += counts[label][label];
            for (int prediction = 0; prediction < k; prediction++) {
                samples += counts[label][prediction];
                predicted[prediction] += counts[label][prediction];
                actual[label] += counts[label][prediction];
            }
        }
        double agreement = 0;
        double predictedSquares = 0;
        double actualSquares = 0;
        for (int c = 0; c < k; c++) {
            agreement += predicted[c] * actual[c];
            predictedSquares += predicted[c] * predicted[c];
            actualSquares += actual[c] * actual[c];
        }
        double denominator = Math.sqrt((samples * samples - predictedSquares) * (samples * samples - actualSquares));
        return denominator == 0 ? 0 : (correct * samples - agreement) / denominator;
    }

    /** Pearson's correlation coefficient. */
    public static double pearson(double[] x, double[] y) {
        int n = x.length;
        if (n == 0) {
            return 0;
        }
        double meanX = Arrays.stream(x).average().orElse(0);
        double meanY = Arrays.stream(y).average().orElse(0);
        double covariance = 0;
        double varianceX = 0;
        double varianceY = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - meanX;
            double dy = y[i] - meanY;
            covariance += dx * dy;
            varianceX += dx * dx;
            varianceY += dy * dy;
        }
        double denominator = Math.sqrt(varianceX * varianceY);
        return denominator == 0 ? 0 : covariance / denominator;
    }

    /** Spearman's rank correlation: Pearson's on ranks, tied values sharing their mean rank. */
    public static double spearman(double[] x, double[] y) {
        return pearson(ranks(x), ranks(y));
    }

    /** 1-based ranks; a run of equal values gets the mean of the ranks it spans. */
    static double[] ranks(double[] values) {
        Integer[] order = IntStream.range(0, values.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
        double[] ranks = new double[values.length];
        for (int start = 0; start < order.length; ) {
            int end = start;
            while (end + 1 < order.length && values[order[end + 1]] == values[order[start]]) {
                end++;
            }
            double shared = (start + end) / 2.0 + 1;
            for (int i = start; i <= end; i++) {
                ranks[order[i]] = shared;
            }
            start = end + 1;
        }
        return ranks;
    }
}
