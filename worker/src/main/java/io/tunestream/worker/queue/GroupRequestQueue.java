package io.tunestream.worker.queue;

import io.tunestream.worker.metrics.KafkaClientMeters;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
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
 * The requests topic through a classic consumer group, for brokers before Kafka 4.2 (DESIGN.md, "Kafka"): the run
 * trains on its own thread while this queue keeps polling with its partitions paused, so the group never evicts a
 * busy worker however long the run; the offset is committed only after the run's terminal status is published.
 * A worker holds at most one request, so with N partitions at most N workers are busy.
 */
public final class GroupRequestQueue implements RequestQueue, ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(GroupRequestQueue.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private Delivery held;
    private boolean revoked;
    private boolean lost;

    public GroupRequestQueue(Properties clientProperties, String groupId, String topic) {
        Properties props = RecordConsumers.properties(clientProperties);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        // the offset moves only once the run's terminal status is published
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // requests published before the first worker joined are work, not history
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // one request at a time: a second would wait unseen behind a long run
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
        // a worker joining must not take the partition of a busy one (the run would start twice): sticky,
        // incremental rebalancing leaves assigned partitions where they are
        props.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        consumer = new KafkaConsumer<>(props);
        consumer.subscribe(Set.of(topic), this);
    }

    @Override
    public Optional<Delivery> next(Duration timeout) {
        if (held != null) {
            throw new IllegalStateException("a request is already held: " + held.coordinates());
        }
        ConsumerRecords<String, byte[]> records;
        try {
            records = consumer.poll(timeout);
        } catch (WakeupException e) {
            return Optional.empty();
        }
        for (ConsumerRecord<String, byte[]> record : records) {
            held = new Delivery(record.topic(), record.partition(), record.offset(), record.key(), record.value(), 0);
            lost = false;
            consumer.pause(consumer.assignment());
            return Optional.of(held);
        }
        return Optional.empty();
    }

    @Override
    public boolean hold(Delivery delivery, Duration timeout) {
        try {
            ConsumerRecords<String, byte[]> records = consumer.poll(timeout);
            if (!records.isEmpty()) {
                // cannot happen with every partition paused; never drop a request silently if it does
                for (TopicPartition partition : records.partitions()) {
                    consumer.seek(partition, records.records(partition).get(0).offset());
                }
                consumer.pause(consumer.assignment());
            }
        } catch (WakeupException e) {
            // woken to stop waiting; the hold is unchanged
        }
        return !lost;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (held != null && partitions.contains(partitionOf(held))) {
            // lost only if the same rebalance gives the partition to another member (see onPartitionsAssigned)
            revoked = true;
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (held == null) {
            return;
        }
        // new partitions arrive unpaused: a busy worker takes no more
        consumer.pause(partitions);
        if (revoked && !consumer.assignment().contains(partitionOf(held))) {
            lost = true;
            LOG.warn("partition {} went to another member while its request {} runs here", partitionOf(held), held.coordinates());
        }
        revoked = false;
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        if (held != null && partitions.contains(partitionOf(held))) {
            lost = true;
            LOG.warn("partition {} was lost (this member was evicted) while its request {} runs here",
                    partitionOf(held), held.coordinates());
        }
    }

    @Override
    public void complete(Delivery delivery) {
        commitPast(delivery);
        settle();
    }

    @Override
    public void release(Delivery delivery) {
        TopicPartition partition = partitionOf(delivery);
        if (consumer.assignment().contains(partition)) {
            consumer.seek(partition, delivery.offset());
        }
        settle();
    }

    @Override
    public void reject(Delivery delivery) {
        commitPast(delivery);
        settle();
    }

    private void commitPast(Delivery delivery) {
        TopicPartition partition = partitionOf(delivery);
        try {
            consumer.commitSync(Map.of(partition, new OffsetAndMetadata(delivery.offset() + 1)));
        } catch (CommitFailedException e) {
            // the partition moved on; its new owner sees the run's terminal status and skips the request
            LOG.warn("could not commit past {}: {}", delivery.coordinates(), e.getMessage());
        } catch (WakeupException e) {
            commitPast(delivery);
        } catch (KafkaException e) {
            LOG.warn("could not commit past {}: {}", delivery.coordinates(), e.toString());
        }
    }

    private void settle() {
        held = null;
        revoked = false;
        lost = false;
        consumer.resume(consumer.assignment());
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
