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
 * the worker that acquired it. A run outlasts the broker's lock duration, so the lock is renewed with
 * {@link AcknowledgeType#RENEW} every third of the lock duration: the next poll carries the RENEW to the broker,
 * and the renewed record returns on a later poll, acknowledgeable again. ACCEPT once the terminal status is published, RELEASE on shutdown (another worker resumes it), REJECT a
 * poison record. A worker that dies stops renewing; its record returns to the queue when the lock lapses.
 *
 * <p>The queue tracks the lock's deadline itself and reports the hold as lost once it has passed: a late
 * acknowledgement is refused only when it is committed (in Kafka 4.4.0; DESIGN.md notes earlier versions gave no
 * error at all), too late for the run's decision.
 */
public final class ShareRequestQueue implements RequestQueue {

    private static final Logger LOG = LoggerFactory.getLogger(ShareRequestQueue.class);
    /** The broker's default lock, used until the consumer reports the group's actual one. */
    private static final long DEFAULT_LOCK_MILLIS = 30_000;

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

    private final KafkaShareConsumer<String, byte[]> consumer;
    private ConsumerRecord<String, byte[]> held;
    /** When the lock lapses at the latest: the last renewal's sending (or the acquisition) plus the lock duration. */
    private long lockDeadlineNanos;
    private long renewalSentNanos;
    /** Renewals go out every third of the lock duration, leaving two thirds for the round trip. */
    private long nextRenewalNanos;
    private boolean renewalInFlight;

    public ShareRequestQueue(Properties clientProperties, String groupId, String topic) {
        startFromEarliest(clientProperties, groupId);
        Properties props = RecordConsumers.properties(clientProperties);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        // each record settled on its own, after its run's terminal status is published
        props.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        // acquire one request at a time: records acquired and not run would wait behind a long run
        props.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
        CLASSIC_GROUP_ONLY.forEach(props::remove);
        consumer = new KafkaShareConsumer<>(props);
        consumer.subscribe(Set.of(topic));
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
        ConsumerRecords<String, byte[]> records;
        long polled = System.nanoTime();
        try {
            records = consumer.poll(timeout);
        } catch (WakeupException e) {
            return Optional.empty();
        }
        Delivery delivery = null;
        for (ConsumerRecord<String, byte[]> record : records) {
            if (held == null) {
                held = record;
                startLock(polled);
                delivery = new Delivery(record.topic(), record.partition(), record.offset(), record.key(),
                        record.value(), record.deliveryCount().map(Short::intValue).orElse(0));
            } else {
                // cannot happen with record_limit and max.poll.records=1; never strand a request if it does
                consumer.acknowledge(record, AcknowledgeType.RELEASE);
            }
        }
        return Optional.ofNullable(delivery);
    }

    @Override
    public boolean hold(Delivery delivery, Duration timeout) {
        if (held == null) {
            return false;
        }
        try {
            long now = System.nanoTime();
            if (!renewalInFlight && now - nextRenewalNanos >= 0) {
                consumer.acknowledge(held, AcknowledgeType.RENEW);
                renewalInFlight = true;
                renewalSentNanos = now;
            }
            if (renewalInFlight) {
                awaitRenewedCopy(timeout);
            } else {
                // nothing to send yet, and an explicit-mode consumer must not poll past an unacknowledged record
                Thread.sleep(Math.max(1, Math.min(timeout.toMillis(), (nextRenewalNanos - now) / 1_000_000)));
            }
        } catch (WakeupException e) {
            // woken to stop waiting; the lock is unchanged
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (KafkaException | IllegalStateException e) {
            LOG.warn("renewing the lock on {}: {}", describe(held), e.toString());
        }
        return System.nanoTime() - lockDeadlineNanos < 0;
    }

    @Override
    public void complete(Delivery delivery) {
        settle(AcknowledgeType.ACCEPT);
    }

    @Override
    public void release(Delivery delivery) {
        settle(AcknowledgeType.RELEASE);
    }

    @Override
    public void reject(Delivery delivery) {
        settle(AcknowledgeType.REJECT);
    }

    private void settle(AcknowledgeType type) {
        if (held == null) {
            return;
        }
        try {
            // a record out with a RENEW is not acknowledgeable until its renewed copy comes back
            while (renewalInFlight && System.nanoTime() - lockDeadlineNanos < 0) {
                awaitRenewedCopy(Duration.ofMillis(100));
            }
            if (renewalInFlight) {
                LOG.warn("the lock on {} lapsed before it could be settled ({}); the broker will deliver it again",
                        describe(held), type);
                return;
            }
            consumer.acknowledge(held, type);
            reportCommit(type, consumer.commitSync(Duration.ofSeconds(10)));
        } catch (WakeupException e) {
            reportCommit(type, consumer.commitSync(Duration.ofSeconds(10)));
        } catch (KafkaException | IllegalStateException e) {
            LOG.warn("could not {} {}: {}", type, describe(held), e.toString());
        } finally {
            held = null;
            renewalInFlight = false;
        }
    }

    /** A settlement the broker refused (e.g. the lock had lapsed): the record will be delivered again. */
    private void reportCommit(AcknowledgeType type, Map<TopicIdPartition, Optional<KafkaException>> results) {
        results.values().forEach(result -> result.ifPresent(error ->
                LOG.warn("the broker refused {} of {}: {}", type, describe(held), error.toString())));
    }

    /**
     * Polls once: the poll carries the pending RENEW to the broker, and the renewed record comes back on this or a
     * later poll (with the same delivery count: a renewal is not a new delivery), acknowledgeable again.
     */
    private void awaitRenewedCopy(Duration timeout) {
        long started = System.nanoTime();
        ConsumerRecords<String, byte[]> records = consumer.poll(timeout);
        for (ConsumerRecord<String, byte[]> record : records) {
            if (sameRecord(record, held)) {
                held = record;
                startLock(renewalSentNanos);
            } else {
                consumer.acknowledge(record, AcknowledgeType.RELEASE);
            }
        }
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        if (records.isEmpty() && elapsedMillis < 20) {
            // a poll can return at once while an acknowledgement is in flight: do not spin a core the run needs
            try {
                Thread.sleep(Math.min(100, timeout.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The lock runs from {@code sinceNanos}, a moment no later than the broker started (or renewed) it. */
    private void startLock(long sinceNanos) {
        long lockMillis = consumer.acquisitionLockTimeoutMs().map(Integer::longValue).orElse(DEFAULT_LOCK_MILLIS);
        lockDeadlineNanos = sinceNanos + lockMillis * 1_000_000;
        nextRenewalNanos = sinceNanos + lockMillis * 1_000_000 / 3;
        renewalInFlight = false;
    }

    private static boolean sameRecord(ConsumerRecord<?, ?> a, ConsumerRecord<?, ?> b) {
        return a.topic().equals(b.topic()) && a.partition() == b.partition() && a.offset() == b.offset();
    }

    private static String describe(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    @Override
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void bindMetrics(KafkaClientMeters meters) {
        // Micrometer binds classic consumers only; a share group's backlog is the coordinator's queue depth
    }

    @Override
    public void close() {
        try {
            consumer.close(Duration.ofSeconds(5));
        } catch (KafkaException e) {
            LOG.warn("closing the request consumer: {}", e.toString());
        }
    }
}
