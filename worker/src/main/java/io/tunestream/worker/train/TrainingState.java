package io.tunestream.worker.train;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.tunestream.worker.model.Precision;

/**
 * Where a run stands, saved with each checkpoint. The data position and the dropout seed are functions of the step
 * ({@link io.tunestream.worker.data.BatchPlan}, {@link Trainer}), so the step number restores both.
 *
 * @param step optimizer steps taken
 * @param bestScore best value of the task's primary metric so far, or -infinity before the first evaluation
 * @param bestStep the step of that evaluation
 * @param trainingSeconds wall time spent in training steps and evaluations so far, across attempts
 * @param examplesSeen training examples processed so far
 * @param lossScale fp16's loss scale after this step ({@link LossScaler}); 0 when the run does not scale its loss
 * @param finiteSteps steps in a row without overflow since the loss scale last changed
 */
public record TrainingState(long step, @JsonAlias("bestAccuracy") double bestScore, long bestStep, double trainingSeconds,
        long examplesSeen, @JsonInclude(JsonInclude.Include.NON_DEFAULT) double lossScale,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) int finiteSteps) {

    /** Whether the run has been evaluated. */
    public boolean evaluated() {
        return bestScore != Double.NEGATIVE_INFINITY;
    }

    /** This state with the loss scaler's position after the step. */
    public TrainingState withScaler(LossScaler scaler) {
        return new TrainingState(step, bestScore, bestStep, trainingSeconds, examplesSeen,
                scaler.enabled() ? scaler.scale() : 0, scaler.finiteSteps());
    }

    /** The loss scaler a run in {@code precision} continues with from this state. */
    public LossScaler scaler(Precision precision) {
        if (!precision.scalesLoss()) {
            return LossScaler.none();
        }
        return lossScale > 0 ? LossScaler.dynamic(lossScale, finiteSteps) : LossScaler.dynamic(LossScaler.INITIAL_SCALE, 0);
    }

    public static TrainingState initial() {
        return new TrainingState(0, Double.NEGATIVE_INFINITY, 0, 0, 0, 0, 0);
    }
}
