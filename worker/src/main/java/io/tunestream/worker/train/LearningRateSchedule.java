package io.tunestream.worker.train;

/**
 * Linear warm-up from 0 to the peak over the first steps, then linear decay to 0 at the last step, as HuggingFace's
 * {@code get_linear_schedule_with_warmup}. A pure function of the step, so a resumed run continues on the same curve.
 */
public record LearningRateSchedule(double peak, long warmupSteps, long totalSteps) {

    public LearningRateSchedule {
        if (totalSteps < 1) {
            throw new IllegalArgumentException("a schedule needs at least one step, got " + totalSteps);
        }
        if (warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("warm-up steps must be in [0, " + totalSteps + "], got " + warmupSteps);
        }
    }

    public static LearningRateSchedule of(double peak, double warmupRatio, long totalSteps) {
        return new LearningRateSchedule(peak, (long) Math.ceil(warmupRatio * totalSteps), totalSteps);
    }

    /** The learning rate of the optimizer step with 0-based index {@code step}. */
    public double at(long step) {
        if (step < warmupSteps) {
            return peak * step / Math.max(1, warmupSteps);
        }
        return peak * Math.max(0, totalSteps - step) / (double) Math.max(1, totalSteps - warmupSteps);
    }
}
