package io.tunestream.coordinator.schedule;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Asynchronous successive halving (ASHA; Li et al., "A System for Massively Parallel Hyperparameter Tuning",
 * MLSys 2020, Algorithm 2), in its stopping form: rung k sits at {@code minSteps * eta^k} steps. A run reaching a
 * rung records its value there and goes on only if that value is within the top {@code 1/eta} of the values the
 * rung already holds; the first run at a rung always goes on, since nothing is known yet to compare it with.
 * Decisions are made as evaluations arrive, never waiting for slower runs: that is what makes it asynchronous.
 */
final class SuccessiveHalving implements StoppingRule {

    private final long minSteps;
    private final int eta;
    private final String metric;
    /** Per rung, each run's value there, in arrival order. */
    private final List<Map<String, Double>> rungs = new ArrayList<>();

    SuccessiveHalving(long minSteps, int eta, String metric) {
        if (minSteps < 1 || eta < 2) {
            throw new IllegalArgumentException("ASHA needs minSteps >= 1 and reductionFactor >= 2, got " + minSteps + " and " + eta);
        }
        this.minSteps = minSteps;
        this.eta = eta;
        this.metric = metric;
    }

    @Override
    public Optional<String> judge(String runId, long step, double value) {
        if (step < minSteps) {
            return Optional.empty();
        }
        // the highest rung the run has passed
        int top = 0;
        for (long milestone = minSteps; milestone * eta <= step; milestone *= eta) {
            top++;
        }
        while (rungs.size() <= top) {
            rungs.add(new LinkedHashMap<>());
        }
        for (int k = top; k >= 0; k--) {
            Map<String, Double> rung = rungs.get(k);
            if (rung.containsKey(runId)) {
                continue;
            }
            Optional<String> verdict = Optional.empty();
            if (!rung.isEmpty()) {
                double cutoff = Quantiles.of(rung.values(), 1.0 - 1.0 / eta);
                if (value < cutoff) {
                    verdict = Optional.of(String.format(Locale.ROOT,
                            "asha: %s %.4f at step %d is below rung %d's cutoff %.4f (top 1/%d of %d runs)",
                            metric, StoppingRule.asReported(metric, value), step, k, StoppingRule.asReported(metric, cutoff), eta, rung.size()));
                }
            }
            rung.put(runId, value);
            return verdict;
        }
        return Optional.empty();
    }

}
