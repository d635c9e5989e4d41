package io.tunestream.worker.queue;

import io.tunestream.worker.metrics.KafkaClientMeters;
import java.time.Duration;
import java.util.Optional;

/**
 * The worker's side of the requests topic. The queue only hands a request over: a worker takes one, claims its run
 * (docs/worker.md, "Claims"), settles the record at once, and leaves the group while the run trains, so that no
 * record waits behind a busy worker (a busy member of a share group keeps its partitions, and records fetched into
 * its consumer would burn delivery attempts unseen). From the claim on, the coordinator owns the run: a run whose
 * worker dies is dispatched again by the coordinator, not redelivered by Kafka.
 *
 * <p>Not thread-safe: one thread (the worker's loop) calls every method except {@link #wakeup}.
 */
public interface RequestQueue extends AutoCloseable {

    /**
     * Waits up to {@code timeout} for the next request, joining the group first if this worker left it. At most one
     * request is held at a time, and it must be settled before the next call.
     */
    Optional<Delivery> next(Duration timeout);

    /** The request is taken for good (its run is claimed, or it needs no run): never deliver it again. */
    Settlement complete(Delivery held);

    /** Hands the request back untouched, for another worker (this worker is stopping before it claimed the run). */
    Settlement release(Delivery held);

    /** A poison record, already sent to the dead-letter topic: never deliver it again. */
    Settlement reject(Delivery held);

    /**
     * Leaves the group until the next {@link #next}: a busy worker holds no partition and no fetched record, so
     * every other request goes to an idle worker at once.
     */
    void leave();

    /** Lets {@code meters} watch the queue's consumer, where Micrometer can bind it. */
    void bindMetrics(KafkaClientMeters meters);

    /** Makes a blocked {@link #next} return early; any thread may call it. */
    void wakeup();

    @Override
    void close();

    /** Whether the broker took a settlement; when it did not, the record comes back later and is recognised then. */
    record Settlement(boolean confirmed, String error) {

        static Settlement ok() {
            return new Settlement(true, null);
        }

        static Settlement refused(String error) {
            return new Settlement(false, error);
        }
    }
}
