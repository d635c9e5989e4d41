package io.tunestream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import org.junit.jupiter.api.Test;

/** The request limits name the field and the bound, quote bad values briefly, and a terminal state is final. */
class RequestLimitsTest {

    @Test
    void aValidRequestPasses() {
        assertTrue(RequestLimits.check(Messages.request()).isEmpty());
    }

    @Test
    void eachBoundNamesItsFieldAndQuotesTheValueBriefly() {
        ExperimentRequest pathId = Messages.request();
        pathId.setRunId("../../x/pwned");
        assertEquals("runId", RequestLimits.check(pathId).orElseThrow().field());
        pathId.setRunId("");
        assertEquals("runId", RequestLimits.check(pathId).orElseThrow().field());

        ExperimentRequest huge = Messages.request();
        huge.setModel("m".repeat(900_000));
        RequestLimits.Violation model = RequestLimits.check(huge).orElseThrow();
        assertEquals("model", model.field());
        assertTrue(model.message().contains("(900000 characters) is too long: at most 512 characters"), model.message());
        assertTrue(model.message().length() < 200, "the message quotes the whole value");

        ExperimentRequest sweep = Messages.request();
        sweep.setSweepId("s".repeat(400_000));
        assertEquals("sweepId", RequestLimits.check(sweep).orElseThrow().field());

        ExperimentRequest targets = Messages.request();
        targets.getAdapter().setTargets(Collections.nCopies(17, "query"));
        assertEquals("adapter.targets", RequestLimits.check(targets).orElseThrow().field());

        assertTrue(RequestLimits.checkSize(RequestLimits.MAX_REQUEST_BYTES + 1).isPresent());
        assertFalse(RequestLimits.checkSize(RequestLimits.MAX_REQUEST_BYTES).isPresent());
        assertEquals(RequestLimits.MAX_MESSAGE_CHARS, RequestLimits.bounded("x".repeat(5000)).length());
    }

    @Test
    void aTerminalStateIsFinalExceptForAQueuedOrALaterAttempt() {
        RunStatus succeeded = status(RunState.SUCCEEDED, 2);
        assertFalse(RunStates.replaces(succeeded, status(RunState.FAILED, 2)), "a late record of the same attempt");
        assertFalse(RunStates.replaces(succeeded, status(RunState.RUNNING, 1)), "a stale attempt's record");
        assertTrue(RunStates.replaces(succeeded, status(RunState.QUEUED, 2)), "a rerun");
        assertTrue(RunStates.replaces(succeeded, status(RunState.STARTING, 3)), "a later attempt");
        RunStatus running = status(RunState.RUNNING, 3);
        assertFalse(RunStates.replaces(running, status(RunState.SUCCEEDED, 2)), "a superseded attempt's ending");
        assertTrue(RunStates.replaces(running, status(RunState.SUCCEEDED, 3)));
    }

    private static RunStatus status(RunState state, int attempt) {
        return RunStatus.newBuilder(Messages.status()).setState(state).setAttempt(attempt).build();
    }
}
