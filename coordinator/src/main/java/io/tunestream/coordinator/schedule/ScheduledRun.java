package io.tunestream.coordinator.schedule;

import io.tunestream.schemas.ControlCommand;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import java.time.Instant;

/**
 * What the scheduler knows of one run. Submissions and dispatches are counted as Kafka shows them ("seen") and as
 * this coordinator expects them after its own publications ("expected"); the larger is the truth, so a decision is
 * not taken again while its record is on its way back.
 */
final class ScheduledRun {

    final String runId;
    String sweepId;
    /** The latest submission (or, for a run dispatched without one, its request). */
    ExperimentRequest request;
    int submissionsSeen;
    int submissionsExpected;
    int dispatchesSeen;
    int dispatchesExpected;
    /** When the run last asked for a dispatch: what its priority ages from. */
    Instant waitingSince;
    RunStatus status;
    /** The status before this coordinator set one itself, restored if that publication fails. */
    RunStatus statusBeforeLocal;
    ControlCommand order;
    long stepsReached;

    ScheduledRun(String runId) {
        this.runId = runId;
    }

    int submissions() {
        return Math.max(submissionsSeen, submissionsExpected);
    }

    int dispatches() {
        return Math.max(dispatchesSeen, dispatchesExpected);
    }

    RunState state() {
        return status == null ? RunState.QUEUED : status.getState();
    }

    /** Asked for a dispatch it has not had: submitted (or queued again after a failure) and not ended otherwise. */
    boolean wantsDispatch() {
        RunState state = state();
        return submissions() > dispatches()
                && state != RunState.SUCCEEDED && state != RunState.CANCELLED && state != RunState.STOPPED;
    }

    /** Wants a dispatch and no order forbids it: a candidate for the next free worker. */
    boolean waiting() {
        return wantsDispatch() && order == null;
    }

    /** Dispatched and not finished: holding, or about to hold, a worker. */
    boolean inFlight() {
        RunState state = state();
        return dispatches() > 0 && submissions() <= dispatches()
                && (state == RunState.QUEUED || state == RunState.STARTING || state == RunState.RUNNING);
    }

    void setLocalStatus(RunStatus local) {
        statusBeforeLocal = status;
        status = local;
    }
}
