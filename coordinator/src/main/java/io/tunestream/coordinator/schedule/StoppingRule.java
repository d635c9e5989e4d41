package io.tunestream.coordinator.schedule;

import io.tunestream.schemas.EarlyStopping;
import java.util.Optional;

/**
 * An early-stopping rule of one sweep: it sees every evaluation of the sweep's runs, in the order they arrive, and
 * says which run should stop. Values are oriented so that higher is better (a loss is negated before it gets here).
 */
interface StoppingRule {

    /**
     * Records {@code runId}'s evaluation at {@code step} and judges the run.
     *
     * @return why the run should stop now, or empty to let it go on
     */
    Optional<String> judge(String runId, long step, double value);

    /** A value as the user reads it: a loss was negated to make higher better. */
    static double asReported(String metric, double value) {
        return metric.equals("loss") ? -value : value;
    }

    static StoppingRule of(EarlyStopping settings) {
        String metric = settings.getMetric();
        return switch (settings.getRule()) {
            case ASHA -> new SuccessiveHalving(settings.getMinSteps(), settings.getReductionFactor(), metric);
            case MEDIAN -> new MedianStopping(settings.getMinSteps(), settings.getMinRuns(), metric);
            case UNKNOWN -> (runId, step, value) -> Optional.empty();
        };
    }
}
