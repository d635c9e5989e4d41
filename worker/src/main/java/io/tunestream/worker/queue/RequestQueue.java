package io.tunestream.worker.queue;

import io.tunestream.worker.metrics.KafkaClientMeters;
import java.time.Duration;
import java.util.Optional;

/**
 * The worker's side of the requests topic: it takes one request at a time, holds it for the whole run, and
 * settles it only after the run's terminal status is published. Not thread-safe: one thread (the worker's loop)
 * calls every method except {@link #wakeup}.
 */
public interface RequestQueue extends AutoCloseable {

    /** Waits up to {@code timeout} for the next request. At most one request is held at a time. */
    Optional<Delivery> next(Duration timeout);

    /**
     * Keeps {@code held} while its run goes on; call it at least every few seconds. Share groups: renews the
     * record's lock before it lapses. Classic groups: polls with the partition paused, so the group keeps this
     * member. Waits up to {@code timeout}.
     *
     * @return false when the hold was lost (the lock lapsed or the partition was revoked): another worker may
     *     already have the request
     */
    boolean hold(Delivery held, Duration timeout);

    /** The run ended (any terminal state) and its status is published: the request is done for good. */
    void complete(Delivery held);

    /** Hands the request back untouched, for another worker (shutdown). */
    void release(Delivery held);

    /** A poison request, already sent to the dead-letter topic: never deliver it again. */
    void reject(Delivery held);

    /** Lets {@code meters} watch the queue's consumer, where Micrometer can bind it. */
    void bindMetrics(KafkaClientMeters meters);

    /** Makes a blocked {@link #next} or {@link #hold} return early; any thread may call it. */
    void wakeup();

    @Override
    void close();
}
