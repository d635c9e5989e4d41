package io.tunestream.worker.service;

import io.tunestream.schemas.FailureKind;
import io.tunestream.worker.train.TrainingSummary;

/** How one attempt at a run ended on this worker, and so what the worker publishes and how it settles the request. */
sealed interface RunOutcome {

    /** Trained to the last step: SUCCEEDED with the summary; the request is done. */
    record Succeeded(TrainingSummary summary) implements RunOutcome {}

    /** FAILED. A BAD_REQUEST also goes to the dead-letter topic with the request's bytes. */
    record Failed(FailureKind kind, String field, String message) implements RunOutcome {}

    /** The coordinator ordered an early stop: stopped after the current step, checkpointed, STOPPED with a summary. */
    record Stopped(TrainingSummary summary, String reason) implements RunOutcome {}

    /** A cancel arrived: stopped after the current step, checkpointed, CANCELLED. */
    record Cancelled(long step) implements RunOutcome {}

    /** The worker is shutting down: stopped after the current step, checkpointed, QUEUED for the coordinator. */
    record HandedBack(long step) implements RunOutcome {}

    /** A newer attempt owns the run: this one stopped without writing, and says nothing more. */
    record Superseded(long step) implements RunOutcome {}
}
