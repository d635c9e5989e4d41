package io.tunestream.worker.service;

/** Why a run stops before its last step; the first reason set wins. */
enum StopReason {
    CANCELLED,
    /** The coordinator ordered an early stop (early-stopping rule or sweep budget): the run ends STOPPED. */
    ORDERED,
    SHUTDOWN,
    BUDGET,
    /** A newer attempt claimed the run (docs/worker.md, "Claims"): this one writes and says nothing more. */
    SUPERSEDED
}
