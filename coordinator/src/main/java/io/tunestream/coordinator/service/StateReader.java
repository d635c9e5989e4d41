package io.tunestream.coordinator.service;

import io.tunestream.coordinator.kafka.TopicReading;
import io.tunestream.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the coordinator: reads every topic that says something about runs from its beginning, then follows them,
 * handing each record to a {@link RecordSink}. No consumer group and no offsets of its own: a restarted coordinator
 * reads everything again, which is what rebuilds its state.
 */
public final class StateReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StateReader.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final RecordSink sink;
    private final Thread thread;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Map<TopicPartition, Long> initialEnds;
    private volatile boolean closed;

    /** Where each record goes: the record itself (topic, key, timestamp) and its message, if it decodes. */
    @FunctionalInterface
    public interface RecordSink {
        void accept(ConsumerRecord<String, byte[]> record, Optional<SpecificRecordBase> message);
    }

    public StateReader(Properties clientProperties, Topics topics, RecordSink sink) {
        this.consumer = TopicReading.fromBeginning(clientProperties,
                List.of(topics.submissions(), topics.sweeps(), topics.requests(), topics.status(), topics.metrics(),
                        topics.control(), topics.heartbeats(), topics.logs()), Duration.ofSeconds(30));
        this.sink = sink;
        List<TopicPartition> partitions = new ArrayList<>(consumer.assignment());
        initialEnds = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        thread = new Thread(this::read, "coordinator-state");
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits until everything written before the coordinator started has been read. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void read() {
        while (!closed) {
            try {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    sink.accept(record, TopicReading.decode(record));
                }
                if (caughtUp.getCount() > 0 && initialEnds.entrySet().stream()
                        .allMatch(end -> consumer.position(end.getKey()) >= end.getValue())) {
                    caughtUp.countDown();
                }
            } catch (WakeupException e) {
                return;
            } catch (KafkaException e) {
                if (!closed) {
                    LOG.warn("reading Kafka: {}", e.toString());
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(2));
    }
}
