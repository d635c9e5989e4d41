package io.tunestream.worker.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * The Kafka clients' own metrics (request rates, errors, and for consumers the records lag) as meters, through
 * Micrometer's {@link KafkaClientMetrics}. A client reports some metrics only once it has fetched (the lag among
 * them), so the binders look for new ones every {@link #REFRESH} instead of Micrometer's default minute. Closing
 * removes the meters: they belong to clients that live no longer than the worker's loop.
 *
 * <p>Micrometer has no binder for share consumers; in share mode the queue's backlog is the coordinator's
 * {@code tunestream_queue_depth}.
 */
public final class KafkaClientMeters implements AutoCloseable {

    static final Duration REFRESH = Duration.ofSeconds(10);

    private final MeterRegistry registry;
    private final Tags tags;
    private final ScheduledExecutorService refresher;
    private final List<KafkaClientMetrics> binders = new ArrayList<>();

    KafkaClientMeters(MeterRegistry registry, Tags tags) {
        this.registry = registry;
        this.tags = tags;
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kafka-client-meters");
            t.setDaemon(true);
            return t;
        });
    }

    public synchronized void add(Producer<?, ?> producer) {
        bind(new KafkaClientMetrics(producer, tags, refresher, REFRESH));
    }

    public synchronized void add(Consumer<?, ?> consumer) {
        bind(new KafkaClientMetrics(consumer, tags, refresher, REFRESH));
    }

    private void bind(KafkaClientMetrics binder) {
        binder.bindTo(registry);
        binders.add(binder);
    }

    @Override
    public synchronized void close() {
        // the refreshes first, so that none binds a closed client's meters again
        refresher.shutdownNow();
        binders.forEach(KafkaClientMetrics::close);
        binders.clear();
    }
}
