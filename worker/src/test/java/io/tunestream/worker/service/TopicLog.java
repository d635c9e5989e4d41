package io.tunestream.worker.service;

import io.tunestream.schemas.MessageCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Every record of one topic, read from the beginning on a thread of its own, for tests to wait on. */
public final class TopicLog implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    private final Thread thread;
    private volatile boolean closed;

    public TopicLog(String bootstrapServers, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // committed reads only: what a real reader would see (idempotent producers, no transactions here)
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(props);
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(this::read, "log-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    private void read() {
        while (!closed) {
            try {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    synchronized (records) {
                        records.add(record);
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (KafkaException e) {
                // broker restarting in a test: keep reading
            }
        }
    }

    public List<ConsumerRecord<String, byte[]>> records() {
        synchronized (records) {
            return List.copyOf(records);
        }
    }

    /** The records decoded, those of {@code type} only. */
    public <T extends SpecificRecordBase> List<T> messages(Class<T> type) {
        return records().stream().filter(r -> r.value() != null)
                .map(r -> MessageCodec.get().decode(r.value()))
                .filter(type::isInstance).map(type::cast).collect(Collectors.toList());
    }

    /** Waits up to {@code timeout} for {@code condition} on the decoded messages of {@code type}. */
    public <T extends SpecificRecordBase> List<T> await(Class<T> type, Predicate<List<T>> condition, Duration timeout,
            String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<T> now = messages(type);
            if (condition.test(now)) {
                return now;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what + "; saw "
                + messages(type).size() + " " + type.getSimpleName() + " records: " + tail(messages(type)));
    }

    private static String tail(List<?> list) {
        return list.subList(Math.max(0, list.size() - 5), list.size()).toString();
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
