package io.tunestream.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ShareGroupDescription;
import org.apache.kafka.clients.admin.ShareMemberDescription;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Behaviour checks against a real broker on loopback: plain produce and consume, share-group delivery and
 * acknowledgement, lock renewal with {@link AcknowledgeType#RENEW}, and a stop and restart in the middle of a stream.
 * Every wait is bounded by a deadline.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EmbeddedKafkaBrokerTest {

    /** Short enough to wait out several times in a test; the broker's minimum has to come down with it. */
    private static final int LOCK_DURATION_MS = 2000;
    private static final Duration POLL = Duration.ofMillis(100);

    private static EmbeddedKafkaBroker broker;
    private static Admin admin;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.builder()
                .optProperty("group.share.record.lock.duration.ms", Integer.toString(LOCK_DURATION_MS))
                .optProperty("group.share.min.record.lock.duration.ms", "1000")
                .build();
        broker.start();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @AfterAll
    static void stopBroker() {
        if (admin != null) {
            admin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void producesAndConsumesWithAClassicConsumer() throws Exception {
        createTopic(admin, "classic");
        try (KafkaProducer<String, String> producer = producer(broker)) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>("classic", "key-" + i, "value-" + i)).get(10, TimeUnit.SECONDS);
            }
        }
        try (KafkaConsumer<String, String> consumer = classicConsumer(broker, "classic-group")) {
            consumer.subscribe(List.of("classic"));
            List<String> values = pollValues(consumer, 3, Duration.ofSeconds(20));
            assertEquals(List.of("value-0", "value-1", "value-2"), values);
        }
    }

    @Test
    void anAcceptedShareRecordIsNotDeliveredAgain() throws Exception {
        createTopic(admin, "shared");
        readFromEarliest(admin, "share-accept");
        send(broker, "shared", "job-1");
        try (KafkaShareConsumer<String, String> first = shareConsumer(broker, "share-accept")) {
            first.subscribe(List.of("shared"));
            ConsumerRecord<String, String> record = pollOne(first, Duration.ofSeconds(30));
            assertEquals("job-1", record.value());
            assertEquals(Optional.of((short) 1), record.deliveryCount());
            first.acknowledge(record, AcknowledgeType.ACCEPT);
            assertNoErrors(first.commitSync(Duration.ofSeconds(10)));
        }
        send(broker, "shared", "job-2");
        try (KafkaShareConsumer<String, String> second = shareConsumer(broker, "share-accept")) {
            second.subscribe(List.of("shared"));
            // The second consumer works (it gets the next record) and never sees the accepted one.
            ConsumerRecord<String, String> record = pollOne(second, Duration.ofSeconds(30));
            assertEquals("job-2", record.value());
            second.acknowledge(record, AcknowledgeType.ACCEPT);
            assertNoErrors(second.commitSync(Duration.ofSeconds(10)));
        }
    }

    @Test
    void renewingHoldsTheLockAgainstAnotherConsumer() throws Exception {
        createTopic(admin, "renew");
        readFromEarliest(admin, "share-renew");
        send(broker, "renew", "long-job");
        try (KafkaShareConsumer<String, String> holder = shareConsumer(broker, "share-renew");
                KafkaShareConsumer<String, String> other = shareConsumer(broker, "share-renew")) {
            holder.subscribe(List.of("renew"));
            ConsumerRecord<String, String> held = pollOne(holder, Duration.ofSeconds(30));
            assertEquals("long-job", held.value());
            other.subscribe(List.of("renew"));

            // Hold the record for four lock durations. The pattern: every copy of the record that poll hands back
            // gets an acknowledgement before the next poll: RENEW while the work goes on, ACCEPT once it is done.
            // A renewal is sent by the next poll; when it succeeds, a later poll returns the same record again.
            // While a renewal is in flight the record is not acknowledgeable, so ACCEPT waits for the next copy.
            long holdUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4L * LOCK_DURATION_MS);
            long giveUpAt = holdUntil + TimeUnit.SECONDS.toNanos(10);
            int renewals = 0;
            boolean accepted = false;
            holder.acknowledge(held, AcknowledgeType.RENEW);
            while (!accepted && System.nanoTime() < giveUpAt) {
                for (ConsumerRecord<String, String> again : holder.poll(POLL)) {
                    assertEquals(held.offset(), again.offset(), "the holder only ever gets its own record back");
                    assertEquals(Optional.of((short) 1), again.deliveryCount(), "a renewal is not a new delivery");
                    held = again;
                    renewals++;
                    accepted = System.nanoTime() >= holdUntil;
                    holder.acknowledge(held, accepted ? AcknowledgeType.ACCEPT : AcknowledgeType.RENEW);
                }
                for (ConsumerRecord<String, String> stolen : other.poll(POLL)) {
                    fail("the other consumer received " + stolen.value() + " while its lock was being renewed"
                            + " (delivery count " + stolen.deliveryCount() + ")");
                }
            }
            assertTrue(accepted, "the renewed record did not come back after the hold");
            // The other consumer was a member with the partition assigned, not merely absent from the group.
            ShareGroupDescription group = admin.describeShareGroups(List.of("share-renew")).describedGroups()
                    .get("share-renew").get(10, TimeUnit.SECONDS);
            assertEquals(2, group.members().size(), "members: " + group.members());
            for (ShareMemberDescription member : group.members()) {
                assertEquals(Set.of(new TopicPartition("renew", 0)), member.assignment().topicPartitions());
            }
            assertTrue(renewals >= 3, "expected the renewed record back at least 3 times, got " + renewals);
            assertNoErrors(holder.commitSync(Duration.ofSeconds(10)));

            // Afterwards neither consumer gets the record again.
            long quietUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOCK_DURATION_MS + 500L);
            while (System.nanoTime() < quietUntil) {
                assertTrue(other.poll(POLL).isEmpty(), "an accepted record was delivered again");
                assertTrue(holder.poll(POLL).isEmpty(), "an accepted record was delivered again");
            }
        }
    }

    @Test
    void withoutRenewalTheLockExpiresAndAnotherConsumerGetsTheRecord() throws Exception {
        createTopic(admin, "abandon");
        readFromEarliest(admin, "share-abandon");
        send(broker, "abandon", "abandoned-job");
        try (KafkaShareConsumer<String, String> holder = shareConsumer(broker, "share-abandon");
                KafkaShareConsumer<String, String> other = shareConsumer(broker, "share-abandon")) {
            holder.subscribe(List.of("abandon"));
            ConsumerRecord<String, String> abandoned = pollOne(holder, Duration.ofSeconds(30));
            long acquiredAt = System.nanoTime();
            assertEquals(Optional.of((short) 1), abandoned.deliveryCount());
            // The holder neither acknowledges nor polls again, as if its training run had hung.
            other.subscribe(List.of("abandon"));
            ConsumerRecord<String, String> redelivered = pollOne(other, Duration.ofSeconds(30));
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acquiredAt);
            assertEquals("abandoned-job", redelivered.value());
            assertEquals(Optional.of((short) 2), redelivered.deliveryCount());
            assertTrue(waitedMs >= LOCK_DURATION_MS - 200, "redelivered after " + waitedMs + " ms, before the lock expired");
            other.acknowledge(redelivered, AcknowledgeType.ACCEPT);
            assertNoErrors(other.commitSync(Duration.ofSeconds(10)));
        }
    }

    @Test
    void survivesAStopAndRestartInTheMiddleOfAStream() throws Exception {
        Path temporaryDataDir;
        try (EmbeddedKafkaBroker restartable = EmbeddedKafkaBroker.startDefault();
                Admin restartAdmin = Admin.create(
                        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, restartable.bootstrapServers()))) {
            String address = restartable.bootstrapServers();
            temporaryDataDir = restartable.dataDir();
            createTopic(restartAdmin, "stream");
            KafkaProducer<String, String> producer = producer(restartable, true);
            try {
                for (int i = 0; i < 3; i++) {
                    producer.send(new ProducerRecord<>("stream", "before-" + i)).get(10, TimeUnit.SECONDS);
                }
                try (KafkaConsumer<String, String> consumer = classicConsumer(restartable, "stream-group")) {
                    consumer.subscribe(List.of("stream"));
                    assertEquals(List.of("before-0", "before-1", "before-2"),
                            pollValues(consumer, 3, Duration.ofSeconds(20)));
                    // Only the first two are done: the group's committed position is before-2.
                    consumer.commitSync(Map.of(new TopicPartition("stream", 0), new OffsetAndMetadata(2)));
                }

                restartable.stop();
                assertFalse(restartable.isRunning());
                List<Future<RecordMetadata>> whileDown = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    whileDown.add(producer.send(new ProducerRecord<>("stream", "while-down-" + i)));
                }
                assertTrue(whileDown.stream().noneMatch(Future::isDone), "a stopped broker acknowledged a record");

                restartable.restart();
                assertEquals(address, restartable.bootstrapServers());
                for (Future<RecordMetadata> sent : whileDown) {
                    sent.get(30, TimeUnit.SECONDS);
                }
            } finally {
                // Bounded: a producer with undelivered records would otherwise wait for them indefinitely.
                producer.close(Duration.ofSeconds(5));
            }
            try (KafkaConsumer<String, String> consumer = classicConsumer(restartable, "stream-group")) {
                consumer.subscribe(List.of("stream"));
                // The data and the committed offset survived: the group resumes at before-2, then come the records
                // sent while the broker was down, each exactly once.
                assertEquals(List.of("before-2", "while-down-0", "while-down-1", "while-down-2"),
                        pollValues(consumer, 4, Duration.ofSeconds(20)));
            }
        }
        assertFalse(Files.exists(temporaryDataDir), "close() leaves the temporary data dir " + temporaryDataDir);
    }

    @Test
    void rejectsInvalidSettingsWhenBuilt() {
        assertRejected("70000", EmbeddedKafkaBroker.builder().optPort(70000));
        assertRejected("no.such.setting", EmbeddedKafkaBroker.builder().optProperty("no.such.setting", "1"));
        assertRejected("listeners", EmbeddedKafkaBroker.builder().optProperty("listeners", "PLAINTEXT://0.0.0.0:9092"));
        // Below the broker's default minimum lock duration (15 s): Kafka's own validation, reported at build().
        assertRejected("group.share.record.lock.duration.ms",
                EmbeddedKafkaBroker.builder().optProperty("group.share.record.lock.duration.ms", "2000"));
    }

    private static void assertRejected(String named, EmbeddedKafkaBroker.Builder builder) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(e.getMessage().contains(named), "the message should name " + named + ": " + e.getMessage());
    }

    private static void createTopic(Admin admin, String topic) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
    }

    /** Share groups start at the latest offset by default; these tests produce before the consumers join. */
    private static void readFromEarliest(Admin admin, String group) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        AlterConfigOp earliest = new AlterConfigOp(
                new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET);
        admin.incrementalAlterConfigs(Map.of(resource, List.of(earliest))).all().get(10, TimeUnit.SECONDS);
    }

    private static void send(EmbeddedKafkaBroker target, String topic, String value) throws Exception {
        try (KafkaProducer<String, String> producer = producer(target)) {
            producer.send(new ProducerRecord<>(topic, value)).get(10, TimeUnit.SECONDS);
        }
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafkaBroker target) {
        return producer(target, false);
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafkaBroker target, boolean keepMetadataWhileDown) {
        Properties props = new Properties();
        props.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrapServers());
        // Durable and without duplicates across the broker restart.
        props.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        props.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        if (keepMetadataWhileDown) {
            // Keep the topic metadata while the only broker is down, so that send() buffers the records. With the
            // default (rebootstrap) the client forgets the topic when no broker answers, and send() blocks until
            // the broker is back, or throws a TimeoutException after max.block.ms (60 s).
            props.setProperty(CommonClientConfigs.METADATA_RECOVERY_STRATEGY_CONFIG, "none");
        }
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> classicConsumer(EmbeddedKafkaBroker target, String group) {
        Properties props = new Properties();
        props.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrapServers());
        props.setProperty(ConsumerConfig.GROUP_ID_CONFIG, group);
        // The tests produce first, so a new group must start at the beginning.
        props.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Offsets are committed by the test where it matters, never behind its back.
        props.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    private static KafkaShareConsumer<String, String> shareConsumer(EmbeddedKafkaBroker target, String group) {
        Properties props = new Properties();
        props.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrapServers());
        props.setProperty(ConsumerConfig.GROUP_ID_CONFIG, group);
        // Per-record ACCEPT/RELEASE/REJECT/RENEW, as the worker does.
        props.setProperty("share.acknowledgement.mode", "explicit");
        // One record per poll and no prefetch: a lock starts only when the record is handed to the application.
        props.setProperty("share.acquire.mode", "record_limit");
        props.setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
        return new KafkaShareConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    private static List<String> pollValues(KafkaConsumer<String, String> consumer, int count, Duration timeout) {
        List<String> values = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (values.size() < count && System.nanoTime() < deadline) {
            consumer.poll(POLL).forEach(record -> values.add(record.value()));
        }
        return values;
    }

    private static ConsumerRecord<String, String> pollOne(KafkaShareConsumer<String, String> consumer,
            Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> record : consumer.poll(POLL)) {
                return record;
            }
        }
        return fail("no share record within " + timeout);
    }

    private static void assertNoErrors(Map<TopicIdPartition, Optional<KafkaException>> commitResult) {
        commitResult.forEach((partition, error) ->
                assertTrue(error.isEmpty(), "acknowledgement failed for " + partition + ": " + error));
    }
}
