package io.tunestream.coordinator.results;

import io.tunestream.schemas.EvalMetric;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.FailureKind;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStates;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.Scores;
import io.tunestream.schemas.StepMetric;

/**
 * What is known of one run from Kafka: its request, its latest status, its best evaluation and its latest step.
 * Any part may be missing (a request whose status was compacted away, a run not started yet).
 */
public record RunRecord(String runId, ExperimentRequest request, RunStatus status, EvalMetric bestEvaluation,
        StepMetric latestStep) {

    public RunState state() {
        return status == null ? RunState.QUEUED : status.getState();
    }

    /**
     * Nothing more will happen to the run: it ended, and not with a failure the coordinator will retry (of kind
     * INFRASTRUCTURE with attempts left).
     */
    public boolean finished() {
        return RunStates.ended(state()) && !awaitingRetry();
    }

    /** Failed for a reason of the infrastructure, with attempts left: the coordinator queues it again after a backoff. */
    public boolean awaitingRetry() {
        return state() == RunState.FAILED && status.getFailure() != null
                && status.getFailure().getKind() == FailureKind.INFRASTRUCTURE
                && request != null && status.getFailedAttempts() < request.getMaxAttempts();
    }

    public String sweepId() {
        return request != null ? request.getSweepId() : status != null ? status.getSweepId() : "";
    }

    /**
     * Best value of the task's primary metric (docs/tasks.md): the final summary's, else the best of the evaluations
     * streamed and the running status's; NaN before any.
     */
    public double bestScore() {
        if (status != null && status.getSummary() != null) {
            return Scores.best(status);
        }
        double streamed = bestEvaluation == null ? Double.NaN : Scores.primary(bestEvaluation);
        double reported = status == null ? Double.NaN : Scores.best(status);
        return Double.isNaN(streamed) ? reported : Double.isNaN(reported) ? streamed : Math.max(streamed, reported);
    }

    /** The name of the run's primary metric, once it has been evaluated; accuracy before. */
    public String metric() {
        if (status != null && status.getSummary() != null) {
            return Scores.metric(status);
        }
        return bestEvaluation != null ? bestEvaluation.getMetric() : status != null ? status.getMetric() : "accuracy";
    }

    /** The primary metric's value at the run's last evaluation, from its summary; NaN before it ends. */
    public double finalScore() {
        if (status == null || status.getSummary() == null) {
            return Double.NaN;
        }
        return Scores.last(status.getSummary());
    }

    /**
     * The value of {@code field} the run trains with: the request's, else the one its worker resolved (the method's
     * default learning rate, the default seed) as its status reports it; null before a worker has resolved it.
     */
    public Object setting(ExperimentField field) {
        Object value = request == null ? null : field.read(request);
        if (value == null && status != null && status.getExperiment().containsKey(field.fieldName())) {
            value = field.normalise(status.getExperiment().get(field.fieldName()), "");
        }
        return value instanceof Enum<?> id ? id.name() : value;
    }

    /** The dataset the run trains on. */
    public String dataset() {
        return request != null ? request.getDataset() : status != null && status.getSummary() != null
                ? status.getSummary().getDataset() : "";
    }
}
