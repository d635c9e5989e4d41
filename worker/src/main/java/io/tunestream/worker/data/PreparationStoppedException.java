package io.tunestream.worker.data;

import java.util.function.BooleanSupplier;

/** Preparing a run (reading, loading, tokenizing) gave up because its worker was asked to stop. */
public final class PreparationStoppedException extends RuntimeException {

    public PreparationStoppedException() {
        super("preparation stopped on request");
    }

    /** Throws when {@code stopRequested} answers true. */
    public static void check(BooleanSupplier stopRequested) {
        if (stopRequested.getAsBoolean()) {
            throw new PreparationStoppedException();
        }
    }
}
