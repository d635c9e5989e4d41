package io.tunestream.coordinator.kafka;

import io.tunestream.schemas.KafkaUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Everything written to some topics up to now, decoded: what {@code status}, {@code results} and {@code submit}
 * read. Reads each partition from its beginning to the end offset it had when the read started; no consumer group.
 */
public final class TopicSnapshot {

    private TopicSnapshot() {}

    /**
     * @throws IllegalStateException when a topic does not exist
     * @throws KafkaUnavailableException when the broker does not answer within {@code timeout}
     */
    public static List<SpecificRecordBase> read(Properties clientProperties, List<String> topics, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<SpecificRecordBase> messages = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = TopicReading.fromBeginning(clientProperties, topics, timeout)) {
            Set<TopicPartition> partitions = consumer.assignment();
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
            // a partition read to its end is paused: a fetch that names it would wait on the broker for new records
            // (fetch.max.wait.ms, 500 ms by default) that this snapshot does not want
            pauseFinished(consumer, partitions, ends);
            while (!consumer.paused().containsAll(partitions)) {
                if (System.nanoTime() > deadline) {
                    throw new KafkaUnavailableException("Kafka at " + clientProperties.getProperty("bootstrap.servers")
                            + " did not deliver " + topics + " within " + timeout.toSeconds() + " s", null);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    TopicReading.decode(record).ifPresent(messages::add);
                }
                pauseFinished(consumer, partitions, ends);
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new KafkaUnavailableException("Kafka at " + clientProperties.getProperty("bootstrap.servers")
                    + " did not answer within " + timeout.toSeconds() + " s (" + e.getMessage() + ")", e);
        }
        return messages;
    }

    private static void pauseFinished(KafkaConsumer<String, byte[]> consumer, Set<TopicPartition> partitions,
            Map<TopicPartition, Long> ends) {
        consumer.pause(partitions.stream().filter(p -> consumer.position(p) >= ends.get(p)).toList());
    }
}
