package io.tunestream.worker.queue;

import io.tunestream.worker.metrics.KafkaClientMeters;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requests topic through a share group (KIP-932): any number of workers per partition, each record locked by
 * the worker that acquired it until it is acknowledged.
 *
 * <p>A worker is a member only while it is idle. Kafka assigns a share group's partitions to members, each partition
 * to one member while there are no more members than partitions; a busy member that stayed subscribed kept its
 * partitions, so a request published to them waited for it while other workers sat idle, and records its consumer
 * had fetched ahead were never handed to it and burnt one delivery attempt per lock expiry until the broker archived
 * them (docs/worker.md, "Why a busy worker leaves the group"). So {@link #leave} closes the consumer, which releases
 * whatever it had acquired, and {@link #next} opens a new one.
 */
public final class ShareRequestQueue implements RequestQueue {

    private static final Logger LOG = LoggerFactory.getLogger(ShareRequestQueue.class);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Consumer settings that only classic groups take; a share consumer refuses to start with them. One client
     * properties file serves workers of both modes, so they are dropped here.
     */
    private static final List<String> CLASSIC_GROUP_ONLY = List.of(
            ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
            ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG,
            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, ConsumerConfig.GROUP_PROTOCOL_CONFIG,
            ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG);

    private final Properties consumerProperties;
    private final String topic;
    private volatile KafkaShareConsumer<String, byte[]> consumer;
    private ConsumerRecord<String, byte[]> held;

    public ShareRequestQueue(Properties clientProperties, String groupId, String topic) {
        startFromEarliest(clientProperties, groupId);
        Properties props = RecordConsumers.properties(clientProperties);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        // each record settled on its own, once its run is claimed
        props.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        // acquire one request at a time: one acquired and not run would wait for this worker
        props.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
        CLASSIC_GROUP_ONLY.forEach(props::remove);
        this.consumerProperties = props;
        this.topic = topic;
    }

    /**
     * A new share group starts at the log's end by default, so requests published before the first worker joined
     * would never run. Setting the group's start to the earliest offset is idempotent and affects only a group
     * that has no state yet.
     */
    private static void startFromEarliest(Properties clientProperties, String groupId) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        try (Admin admin = Admin.create(props)) {
            ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, groupId);
            admin.incrementalAlterConfigs(Map.of(group, List.of(new AlterConfigOp(
                    new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot configure share group " + groupId + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within 30 s while configuring share group " + groupId, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while configuring share group " + groupId, e);
        }
    }

    @Override
    public Optional<Delivery> next(Duration timeout) {
        if (held != null) {
            throw new IllegalStateException("a request is already held: " + describe(held));
        }
        KafkaShareConsumer<String, byte[]> member = join();
        ConsumerRecords<String, byte[]> records;
        try {
            records = member.poll(timeout);
        } catch (WakeupException e) {
            return Optional.empty();
        }
        Delivery delivery = null;
        for (ConsumerRecord<String, byte[]> record : records) {
            if (held == null) {
                held = record;
                delivery = new Delivery(record.topic(), record.partition(), record.offset(), record.key(),
                        record.value(), record.deliveryCount().map(Short::intValue).orElse(0));
            } else {
                // cannot happen with record_limit and max.poll.records=1; never strand a request if it does
                member.acknowledge(record, AcknowledgeType.RELEASE);
            }
        }
        return Optional.ofNullable(delivery);
    }

    private KafkaShareConsumer<String, byte[]> join() {
        KafkaShareConsumer<String, byte[]> member = consumer;
        if (member == null) {
            member = new KafkaShareConsumer<>(consumerProperties);
            member.subscribe(Set.of(topic));
            consumer = member;
        }
        return member;
    }

    @Override
    public Settlement complete(Delivery delivery) {
        return settle(AcknowledgeType.ACCEPT);
    }

    @Override
    public Settlement release(Delivery delivery) {
        return settle(AcknowledgeType.RELEASE);
    }

    @Override
    public Settlement reject(Delivery delivery) {
        return settle(AcknowledgeType.REJECT);
    }

    /** Acknowledges the held record and commits at once, reporting whether the broker took it. */
    private Settlement settle(AcknowledgeType type) {
        ConsumerRecord<String, byte[]> record = held;
        held = null;
        if (record == null || consumer == null) {
            return Settlement.refused("no request is held");
        }
        try {
            consumer.acknowledge(record, type);
            return confirmed(type, record, commit());
        } catch (KafkaException | IllegalStateException e) {
            LOG.warn("could not {} {}: {}", type, describe(record), e.toString());
            return Settlement.refused(e.toString());
        }
    }

    private Map<TopicIdPartition, Optional<KafkaException>> commit() {
        try {
            return consumer.commitSync(COMMIT_TIMEOUT);
        } catch (WakeupException e) {
            // a shutdown's wakeup must not leave the acknowledgement unsent
            return consumer.commitSync(COMMIT_TIMEOUT);
        }
    }

    /** A settlement the broker refused (its lock had lapsed, say): the record comes back and is recognised then. */
    private static Settlement confirmed(AcknowledgeType type, ConsumerRecord<?, ?> record,
            Map<TopicIdPartition, Optional<KafkaException>> results) {
        for (Optional<KafkaException> result : results.values()) {
            if (result.isPresent()) {
                LOG.warn("the broker refused {} of {}: {}", type, describe(record), result.get().toString());
                return Settlement.refused(result.get().toString());
            }
        }
        return Settlement.ok();
    }

    @Override
    public void leave() {
        KafkaShareConsumer<String, byte[]> member = consumer;
        consumer = null;
        if (member != null) {
            closeQuietly(member);
        }
    }

    private static String describe(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    @Override
    public void wakeup() {
        KafkaShareConsumer<String, byte[]> member = consumer;
        if (member != null) {
            try {
                member.wakeup();
            } catch (IllegalStateException e) {
                // closed by the worker's thread meanwhile: nothing is blocked on it
            }
        }
    }

    @Override
    public void bindMetrics(KafkaClientMeters meters) {
        // Micrometer binds classic consumers only; a share group's backlog is the coordinator's queue depth
    }

    @Override
    public void close() {
        leave();
    }

    private static void closeQuietly(KafkaShareConsumer<String, byte[]> member) {
        try {
            // releases every record it acquired and did not settle, and leaves the group
            member.close(Duration.ofSeconds(5));
        } catch (KafkaException e) {
            LOG.warn("closing the request consumer: {}", e.toString());
        }
    }
}
