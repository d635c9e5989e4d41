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
}
