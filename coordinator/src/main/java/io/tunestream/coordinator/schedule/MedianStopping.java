package io.tunestream.coordinator.schedule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The median stopping rule (Golovin et al., "Google Vizier", KDD 2017, section 3.2.2): a run stops at step s when
 * its best value by s is worse than the median of the other runs' running averages up to s. Only runs that have
 * themselves been evaluated at s or later count, and at least {@code minRuns} of them, so that a run is compared
 * with others at the same point of training.
 */
final class MedianStopping implements StoppingRule {

    private final long minSteps;
    private final int minRuns;
    private final String metric;
    private final Map<String, NavigableMap<Long, Double>> curves = new HashMap<>();

    MedianStopping(long minSteps, int minRuns, String metric) {
        if (minSteps < 0 || minRuns < 1) {
            throw new IllegalArgumentException("the median rule needs minSteps >= 0 and minRuns >= 1, got " + minSteps + " and " + minRuns);
        }
        this.minSteps = minSteps;
        this.minRuns = minRuns;
        this.metric = metric;
    }

    @Override
    public Optional<String> judge(String runId, long step, double value) {
        NavigableMap<Long, Double> curve = curves.computeIfAbsent(runId, id -> new TreeMap<>());
        curve.put(step, value);
        if (step < minSteps) {
            return Optional.empty();
        }
        List<Double> averages = new ArrayList<>();
        for (Map.Entry<String, NavigableMap<Long, Double>> other : curves.entrySet()) {
            NavigableMap<Long, Double> points = other.getValue();
            if (!other.getKey().equals(runId) && points.lastKey() >= step && points.firstKey() <= step) {
                averages.add(points.headMap(step, true).values().stream().mapToDouble(Double::doubleValue).average().orElseThrow());
            }
        }
        if (averages.size() < minRuns) {
            return Optional.empty();
        }
        double best = curve.headMap(step, true).values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double median = Quantiles.median(averages);
        if (best < median) {
            return Optional.of(String.format(Locale.ROOT,
                    "median: best %s %.4f by step %d is below the median %.4f of %d runs' running averages",
                    metric, StoppingRule.asReported(metric, best), step, StoppingRule.asReported(metric, median), averages.size()));
        }
        return Optional.empty();
    }

}
