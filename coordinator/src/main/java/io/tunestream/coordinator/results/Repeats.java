package io.tunestream.coordinator.results;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.commons.math3.stat.StatUtils;
import org.apache.commons.math3.stat.inference.TTest;

/**
 * Finished runs taken together by configuration (a run's settings without its seed; docs/sweeps.md, Repeats): the
 * mean, standard deviation and count of each configuration's primary metric per dataset, and which configurations
 * cannot be told apart from the best. The test is Welch's two-sided t-test (unequal variances) at 5% against the
 * configuration with the best mean, as Apache Commons Math computes it: a configuration is {@link Verdict#TIED} when
 * the test does not reject equal means. A single seed per configuration leaves nothing to test.
 */
public final class Repeats {

    /** The level of the test: 5%. */
    public static final double ALPHA = 0.05;

    /** One finished run: its dataset, its settings but the seed (field name to value), its primary metric's name and value. */
    public record Outcome(String dataset, Map<String, String> settings, String metric, double score) {}

    public enum Verdict {
        /** The best mean of its dataset. */
        BEST,
        /** Not told apart from the best: the test does not reject equal means at 5%. */
        TIED,
        /** Worse than the best: the test rejects equal means at 5%. */
        WORSE,
        /** Fewer than two runs here or in the best: no test. */
        UNTESTED
    }

    /**
     * One configuration of one dataset.
     *
     * @param label the settings in which the dataset's configurations differ ({@code method=lora learningRate=5.0E-4})
     * @param sd the sample standard deviation (n - 1), NaN for one run
     * @param pValue Welch's p-value against the best configuration, NaN where there is no test
     */
    public record Summary(String dataset, String metric, String label, int count, double mean, double sd, double pValue,
            Verdict verdict) {}

    private Repeats() {}

    /** Every configuration of every dataset, datasets in name order, best mean first within each. */
    public static List<Summary> summarise(List<Outcome> outcomes) {
        Map<String, List<Outcome>> byDataset = outcomes.stream().filter(o -> !Double.isNaN(o.score()))
                .collect(Collectors.groupingBy(Outcome::dataset, TreeMap::new, Collectors.toList()));
        List<Summary> summaries = new ArrayList<>();
        byDataset.forEach((dataset, runs) -> summaries.addAll(ofDataset(dataset, runs)));
        return summaries;
    }

    /** {@link #summarise} when any configuration ran more than once, else nothing: only then is there a spread to show. */
    public static List<Summary> summariseRepeated(List<Outcome> outcomes) {
        return repeated(outcomes) ? summarise(outcomes) : List.of();
    }

    /** Whether any configuration ran more than once: only then is there a spread to show. */
    public static boolean repeated(List<Outcome> outcomes) {
        return outcomes.stream().collect(Collectors.groupingBy(o -> List.of(o.dataset(), o.settings()), Collectors.counting()))
                .values().stream().anyMatch(n -> n > 1);
    }

    private static List<Summary> ofDataset(String dataset, List<Outcome> runs) {
        Map<Map<String, String>, List<Double>> scores = new LinkedHashMap<>();
        runs.forEach(run -> scores.computeIfAbsent(run.settings(), k -> new ArrayList<>()).add(run.score()));
        Map<Map<String, String>, double[]> samples = new LinkedHashMap<>();
        scores.forEach((settings, values) -> samples.put(settings, values.stream().mapToDouble(Double::doubleValue).toArray()));
        Map<String, String> best = samples.entrySet().stream()
                .max(Comparator.comparingDouble(e -> mean(e.getValue()))).orElseThrow().getKey();
        List<String> varying = varying(samples.keySet());
        List<Summary> summaries = new ArrayList<>();
        samples.forEach((settings, values) -> {
            double p = Double.NaN;
            Verdict verdict;
            if (settings.equals(best)) {
                verdict = Verdict.BEST;
            } else if (values.length < 2 || samples.get(best).length < 2) {
                verdict = Verdict.UNTESTED;
            } else {
                p = welch(samples.get(best), values);
                verdict = p >= ALPHA ? Verdict.TIED : Verdict.WORSE;
            }
            summaries.add(new Summary(dataset, runs.get(0).metric(), label(settings, varying), values.length, mean(values),
                    values.length < 2 ? Double.NaN : Math.sqrt(variance(values)), p, verdict));
        });
        summaries.sort(Comparator.comparingDouble(Summary::mean).reversed());
        return summaries;
    }

    /**
     * Welch's two-sided p-value. Two samples without spread have none to test: equal means are one configuration's
     * repeats of the same numbers (p = 1), different ones are told apart (p = 0).
     */
    private static double welch(double[] best, double[] other) {
        if (variance(best) == 0 && variance(other) == 0) {
            return mean(best) == mean(other) ? 1 : 0;
        }
        return new TTest().tTest(best, other);
    }

    /** The fields whose values differ among the configurations, in the order the first names them. */
    private static List<String> varying(java.util.Collection<Map<String, String>> configurations) {
        List<String> fields = new ArrayList<>();
        configurations.forEach(c -> c.keySet().forEach(f -> {
            if (!fields.contains(f)) {
                fields.add(f);
            }
        }));
        return fields.stream().filter(f -> configurations.stream().map(c -> c.get(f)).distinct().count() > 1).toList();
    }

    private static String label(Map<String, String> settings, List<String> varying) {
        List<String> shown = varying.isEmpty() ? List.of("method") : varying;
        return shown.stream().filter(settings::containsKey).map(f -> f + "=" + settings.get(f))
                .collect(Collectors.joining(" "));
    }

    private static double mean(double[] values) {
        return StatUtils.mean(values);
    }

    /** The bias-corrected sample variance (n - 1); 0 for one value. */
    private static double variance(double[] values) {
        return values.length < 2 ? 0 : StatUtils.variance(values);
    }
}
