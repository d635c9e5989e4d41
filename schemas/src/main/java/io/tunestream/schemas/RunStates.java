package io.tunestream.schemas;

/** What a {@link RunState} means for those who act on it: the one definition of a run that has ended. */
public final class RunStates {

    private RunStates() {}

    /**
     * Nothing more happens to a run in this state unless someone queues it again (a retry or a rerun): SUCCEEDED,
     * FAILED, CANCELLED or STOPPED.
     */
    public static boolean ended(RunState state) {
        return state == RunState.SUCCEEDED || state == RunState.FAILED || state == RunState.CANCELLED
                || state == RunState.STOPPED;
    }

    /**
     * Whether {@code next}, read after {@code current} for the same run, is the run's state now. A terminal state is
     * final: after it only a QUEUED status (a retry or a rerun) or a status of a later attempt counts. Before it, a
     * status of an earlier attempt than the current one's is a stale attempt's and does not count. Writers keep to
     * this too (a worker publishes nothing once its attempt is superseded); readers apply it so that a late record
     * can never turn a finished run back.
     */
    public static boolean replaces(RunStatus current, RunStatus next) {
        if (current == null || next.getState() == RunState.QUEUED || next.getAttempt() > current.getAttempt()) {
            return true;
        }
        return !ended(current.getState()) && next.getAttempt() == current.getAttempt();
    }
}
