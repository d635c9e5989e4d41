package io.tunestream.worker.service;

/** Why a run stops before its last step; the first reason set wins. */
enum StopReason {
    CANCELLED,
    SHUTDOWN,
    BUDGET,
    LOCK_LOST
}
