package io.tunestream.coordinator.schedule;

import io.tunestream.schemas.ControlCommand;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.RunStatus;

/** What the scheduler decided; the coordinator's loop publishes each to Kafka. */
public sealed interface Action {

    String runId();

    /** Hand the run to the workers: its request goes on the requests topic. */
    record Dispatch(ExperimentRequest request) implements Action {
        @Override
        public String runId() {
            return request.getRunId();
        }
    }

    /** Queue a failed run again (a retry): its QUEUED status, then the submission that asks for a dispatch. */
    record Requeue(ExperimentRequest request, RunStatus queued) implements Action {
        @Override
        public String runId() {
            return request.getRunId();
        }
    }

    /** Order a dispatched run to stop early or be cancelled: a control command every worker reads. */
    record Order(ControlCommand command) implements Action {
        @Override
        public String runId() {
            return command.getRunId();
        }
    }

    /** A submission that can never run: its FAILED status (BAD_REQUEST), and its bytes to the dead-letter topic. */
    record Reject(ExperimentRequest request, RunStatus failed) implements Action {
        @Override
        public String runId() {
            return request.getRunId();
        }
    }

    /**
     * End a run no worker has: its terminal status (a cancel or budget that came before any dispatch, or an attempt
     * lost for the last time).
     */
    record Conclude(RunStatus status) implements Action {
        @Override
        public String runId() {
            return status.getRunId();
        }
    }
}
