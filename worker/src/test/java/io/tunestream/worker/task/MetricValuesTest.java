package io.tunestream.worker.task;

import io.tunestream.schemas.Metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Metrics against values worked out by hand from their textbook definitions, on small made-up vectors. */
class MetricValuesTest {

    @Test
    void binaryClassification() {
        // TP 2, FN 1, FP 1, TN 4
        int[] labels = {1, 1, 1, 0, 0, 0, 0, 0};
        int[] predictions = {1, 1, 0, 1, 0, 0, 0, 0};
        Task task = new Task(Task.Kind.CLASSIFICATION, List.of("no", "yes"), Metric.F1_ACCURACY);
        Map<String, Double> values = MetricValues.classification(task, labels, predictions);
        assertEquals(List.of("accuracy", "f1", "macro_f1", "matthews", "f1_accuracy"), List.copyOf(values.keySet()));
        assertEquals(0.75, values.get("accuracy"), 1e-12);
        assertEquals(2.0 / 3, values.get("f1"), 1e-12, "2TP / (2TP + FP + FN) = 4/6");
        assertEquals((2.0 / 3 + 0.8) / 2, values.get("macro_f1"), 1e-12, "F1 of 'no' is 8/10");
        assertEquals(7.0 / 15, values.get("matthews"), 1e-12, "(TP TN - FP FN) / sqrt(3 3 5 5)");
        assertEquals((2.0 / 3 + 0.75) / 2, values.get("f1_accuracy"), 1e-12);
    }

    @Test
    void threeClassClassification() {
        // confusion (label x prediction): [1 1 0] [0 2 0] [1 0 2]
        int[] labels = {0, 0, 1, 1, 2, 2, 2};
        int[] predictions = {0, 1, 1, 1, 2, 0, 2};
        Task task = new Task(Task.Kind.CLASSIFICATION, List.of("a", "b", "c"), Metric.MATTHEWS);
        Map<String, Double> values = MetricValues.classification(task, labels, predictions);
        assertEquals(List.of("accuracy", "macro_f1", "matthews"), List.copyOf(values.keySet()), "no binary F1");
        assertEquals(5.0 / 7, values.get("accuracy"), 1e-12);
        assertEquals((0.5 + 0.8 + 0.8) / 3, values.get("macro_f1"), 1e-12);
        // Gorodkin: (c s - sum p_k t_k) / sqrt((s^2 - sum p_k^2)(s^2 - sum t_k^2)) = (35 - 16) / sqrt(32 * 32)
        assertEquals(19.0 / 32, values.get("matthews"), 1e-12);
    }

    @Test
    void constantPredictionsScoreZeroMatthewsAndZeroF1ForTheClassNeverPredicted() {
        long[][] counts = {{50, 0}, {50, 0}};
        assertEquals(0, MetricValues.matthews(counts), 0.0);
        assertEquals(0, MetricValues.f1(counts, 1), 0.0);
        assertEquals(0.5, MetricValues.accuracy(counts), 0.0);
    }

    @Test
    void regressionWithTies() {
        double[] targets = {1, 2, 3, 4, 5};
        double[] predictions = {2, 4, 5, 4, 5};
        Task task = new Task(Task.Kind.REGRESSION, List.of(), Metric.PEARSON_SPEARMAN);
        Map<String, Double> values = MetricValues.regression(task, targets, predictions);
        // covariance 6, variances 10 and 6
        assertEquals(6 / Math.sqrt(60), values.get("pearson"), 1e-12);
        // ranks of the predictions with ties sharing their mean: 1, 2.5, 4.5, 2.5, 4.5; covariance 7, variances 10, 9
        assertEquals(7 / Math.sqrt(90), values.get("spearman"), 1e-12);
        assertEquals((6 / Math.sqrt(60) + 7 / Math.sqrt(90)) / 2, values.get("pearson_spearman"), 1e-12);
        assertEquals(0, MetricValues.pearson(targets, new double[] {3, 3, 3, 3, 3}), 0.0, "a constant prediction");
    }

    @Test
    void aMetricThatDoesNotFitTheTaskIsRefusedNamingTheValidOnes() {
        assertEquals("metric 'f1' does not fit a 3-label classification task; valid metrics: accuracy, macro_f1, matthews",
                assertThrows(IllegalArgumentException.class,
                        () -> new Task(Task.Kind.CLASSIFICATION, List.of("a", "b", "c"), Metric.F1)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new Task(Task.Kind.REGRESSION, List.of(), Metric.ACCURACY)).getMessage()
                .endsWith("valid metrics: pearson, spearman, pearson_spearman"));
        assertEquals("unknown metric 'auc'; valid metrics: accuracy, f1, macro_f1, matthews, f1_accuracy, pearson,"
                + " spearman, pearson_spearman", assertThrows(IllegalArgumentException.class, () -> Metric.fromId("auc")).getMessage());
    }
}
