package io.tunestream.worker.run;

/**
 * Whether an attempt still owns its run: asked before anything is written to the run's files or said about it on
 * Kafka, so that an attempt superseded by a newer one (docs/worker.md, "Claims") stops without touching the newer
 * one's checkpoint, metrics or result.
 */
@FunctionalInterface
public interface RunLease {

    /** The one owner of a directory nothing else writes to (the CLI's {@code train --out}). */
    RunLease SOLE = () -> true;

    boolean held();

    /** Throws {@link SupersededException} unless the lease is held. */
    default void ensureHeld(String what) {
        if (!held()) {
            throw new SupersededException("a newer attempt owns this run; not writing " + what);
        }
    }
}
