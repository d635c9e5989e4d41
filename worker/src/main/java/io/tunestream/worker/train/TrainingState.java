package io.tunestream.worker.train;

/**
 * Where a run stands, saved with each checkpoint. The data position and the dropout seed are functions of the step
 * ({@link io.tunestream.worker.data.BatchPlan}, {@link Trainer}), so the step number restores both.
 *
 * @param step optimizer steps taken
 * @param bestAccuracy best dev accuracy so far, or -1 before the first evaluation
 * @param bestStep the step of that evaluation
 * @param trainingSeconds wall time spent in training steps and evaluations so far, across attempts
 * @param examplesSeen training examples processed so far
 */
public record TrainingState(long step, double bestAccuracy, long bestStep, double trainingSeconds, long examplesSeen) {

    public static TrainingState initial() {
        return new TrainingState(0, -1, 0, 0, 0);
    }
}
