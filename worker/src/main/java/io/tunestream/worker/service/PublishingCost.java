package io.tunestream.worker.service;

import java.util.Locale;

/**
 * What streaming a run's metrics and status cost its training thread: the time spent in publish calls (the
 * producer's send is asynchronous, so this is encoding and buffering) against the time spent in training steps.
 *
 * @param steps steps measured
 * @param publishMillis time in publish calls made after each step
 * @param stepMillis time in the steps themselves
 */
public record PublishingCost(long steps, double publishMillis, double stepMillis) {

    /** Publish time as a share of step time. */
    public double share() {
        return stepMillis == 0 ? 0 : publishMillis / stepMillis;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%.3f ms per step of %.1f ms (%.3f%%) over %d steps",
                steps == 0 ? 0 : publishMillis / steps, steps == 0 ? 0 : stepMillis / steps, 100 * share(), steps);
    }
}
