package io.tunestream.worker.train;

import com.fasterxml.jackson.annotation.JsonAlias;

/**
 * Where a run stands, saved with each checkpoint. The data position and the dropout seed are functions of the step
 * ({@link io.tunestream.worker.data.BatchPlan}, {@link Trainer}), so the step number restores both.
 *
 * @param step optimizer steps taken
 * @param bestScore best value of the task's primary metric so far, or -infinity before the first evaluation
 * @param bestStep the step of that evaluation
 * @param trainingSeconds wall time spent in training steps and evaluations so far, across attempts
 * @param examplesSeen training examples processed so far
 */
public record TrainingState(long step, @JsonAlias("bestAccuracy") double bestScore, long bestStep, double trainingSeconds, long examplesSeen) {

    /** Whether the run has been evaluated. */
    public boolean evaluated() {
        return bestScore != Double.NEGATIVE_INFINITY;
    }

    public static TrainingState initial() {
        return new TrainingState(0, Double.NEGATIVE_INFINITY, 0, 0, 0);
    }
}
