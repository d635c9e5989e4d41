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
    /** The attempt of the latest dispatch (ExperimentRequest.attempt), and when this coordinator saw or made it. */
    int dispatchedAttempt;
    Instant dispatchedAt;
    /** When this coordinator last heard from the attempt in progress: its claim, its statuses, its worker's heartbeats. */
    Instant lastSignOfLife;
    /** Why the submission cannot run (RequestLimits), if it cannot: such a run is never dispatched. */
    String invalidField;
    String invalidReason;

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
        return submissions() > dispatches() && invalidReason == null
                && state != RunState.SUCCEEDED && state != RunState.CANCELLED && state != RunState.STOPPED;
    }

    /** The attempt the next dispatch is for: one past every attempt dispatched or claimed so far. */
    int nextAttempt() {
        return Math.max(dispatchedAttempt, status == null ? 0 : status.getAttempt()) + 1;
    }

    /** Dispatched, and no worker has claimed that dispatch yet (its STARTING status has not been read). */
    boolean awaitingClaim() {
        return inFlight() && (status == null || status.getAttempt() < dispatchedAttempt);
    }

    /** A worker holds the latest dispatch: STARTING or RUNNING under that attempt. */
    boolean claimed() {
        RunState state = state();
        return inFlight() && (state == RunState.STARTING || state == RunState.RUNNING)
                && status.getAttempt() >= dispatchedAttempt && status.getWorkerId() != null;
    }

    /** Its worker handed the latest dispatch back (QUEUED under that attempt, on shutdown): it needs another. */
    boolean handedBack() {
        return inFlight() && dispatchedAttempt > 0 && status != null && status.getState() == RunState.QUEUED
                && status.getAttempt() >= dispatchedAttempt;
    }

    /** Wants a dispatch and no order forbids it: a candidate for the next free worker. */
    boolean waiting() {
        return wantsDispatch() && order == null;
    }

    /**
     * Dispatched and not finished: holding, or about to hold, a worker. Only a run submitted to this coordinator
     * counts; a request someone published straight to the requests topic is not this coordinator's to own.
     */
    boolean inFlight() {
        RunState state = state();
        return submissions() > 0 && dispatches() > 0 && submissions() <= dispatches()
                && (state == RunState.QUEUED || state == RunState.STARTING || state == RunState.RUNNING);
    }

    void setLocalStatus(RunStatus local) {
        statusBeforeLocal = status;
        status = local;
    }
}
