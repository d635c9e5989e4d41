package io.tunestream.worker.queue;

import io.tunestream.worker.metrics.KafkaClientMeters;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requests topic through a classic consumer group, for brokers before Kafka 4.2. A worker subscribes while it is
 * idle and unsubscribes while its run trains, so its partitions move to the idle members and no request waits
 * behind a busy worker; the offset is committed past a request once its run is claimed.
 */
public final class GroupRequestQueue implements RequestQueue {

    private static final Logger LOG = LoggerFactory.getLogger(GroupRequestQueue.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private boolean subscribed;
    private Delivery held;

    public GroupRequestQueue(Properties clientProperties, String groupId, String topic) {
        Properties props = RecordConsumers.properties(clientProperties);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        // the offset moves only once the run is claimed
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // requests published before the first worker joined are work, not history
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // one request at a time
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
        // a member joining or leaving moves only the partitions that must move
        props.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        this.consumer = new KafkaConsumer<>(props);
        this.topic = topic;
    }

    @Override
    public Optional<Delivery> next(Duration timeout) {
        if (held != null) {
            throw new IllegalStateException("a request is already held: " + held.coordinates());
        }
        if (!subscribed) {
            consumer.subscribe(Set.of(topic));
            subscribed = true;
        }
        ConsumerRecords<String, byte[]> records;
        try {
            records = consumer.poll(timeout);
        } catch (WakeupException e) {
            return Optional.empty();
        }
        for (ConsumerRecord<String, byte[]> record : records) {
            held = new Delivery(record.topic(), record.partition(), record.offset(), record.key(), record.value(), 0);
            return Optional.of(held);
        }
        return Optional.empty();
    }

    @Override
    public Settlement complete(Delivery delivery) {
        return commitPast(delivery);
    }

    @Override
    public Settlement release(Delivery delivery) {
        held = null;
        TopicPartition partition = partitionOf(delivery);
        if (consumer.assignment().contains(partition)) {
            consumer.seek(partition, delivery.offset());
        }
        return Settlement.ok();
    }

    @Override
    public Settlement reject(Delivery delivery) {
        return commitPast(delivery);
    }

    private Settlement commitPast(Delivery delivery) {
        held = null;
        TopicPartition partition = partitionOf(delivery);
        try {
            consumer.commitSync(Map.of(partition, new OffsetAndMetadata(delivery.offset() + 1)));
            return Settlement.ok();
        } catch (WakeupException e) {
            return commitPast(delivery);
        } catch (KafkaException e) {
            // the partition moved on; its new owner gets the request again and recognises it
            LOG.warn("could not commit past {}: {}", delivery.coordinates(), e.toString());
            return Settlement.refused(e.toString());
        }
    }

    @Override
    public void leave() {
        if (subscribed) {
            consumer.unsubscribe();
            subscribed = false;
        }
    }

    @Override
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void bindMetrics(KafkaClientMeters meters) {
        meters.add(consumer);
    }

    @Override
    public void close() {
        try {
            consumer.close(Duration.ofSeconds(5));
        } catch (KafkaException e) {
            LOG.warn("closing the request consumer: {}", e.toString());
        }
    }

    private static TopicPartition partitionOf(Delivery delivery) {
        return new TopicPartition(delivery.topic(), delivery.partition());
    }
}
