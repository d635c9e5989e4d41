package io.tunestream.worker.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.tunestream.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;
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

    /**
     * Kafka 4.1+ consumers report each topic's fetch metrics twice (KIP-1109): under the topic's name, and under a
     * deprecated form with its dots replaced by underscores, so {@code tunestream.status} showed up beside
     * {@code tunestream_status}. This filter denies the deprecated twins of {@code topics}' names. A registry takes it
     * before any meter is registered ({@link WorkerMetrics#prometheusRegistry}).
     */
    static MeterFilter withoutDeprecatedTopicNames(Topics topics) {
        Set<String> deprecated = topics.all().stream().filter(t -> t.contains(".")).map(t -> t.replace('.', '_'))
                .collect(Collectors.toUnmodifiableSet());
        return MeterFilter.deny(id -> {
            // most meters have no topic; an immutable set refuses to be asked about null
            String topic = id.getTag("topic");
            return topic != null && id.getName().startsWith("kafka.consumer.") && deprecated.contains(topic);
        });
    }

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
