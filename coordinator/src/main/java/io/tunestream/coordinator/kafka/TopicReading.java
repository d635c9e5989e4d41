package io.tunestream.coordinator.kafka;

import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.MessageFormatException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the coordinator reads topics: every partition from its beginning, with no consumer group and no offsets of
 * its own (its state is whatever the topics say), decoding each record and skipping what is not ours.
 */
public final class TopicReading {

    private static final Logger LOG = LoggerFactory.getLogger(TopicReading.class);

    private TopicReading() {}

    /**
     * A consumer assigned every partition of {@code topics}, positioned at their beginning.
     *
     * @throws IllegalStateException naming a topic that does not exist
     */
    public static KafkaConsumer<String, byte[]> fromBeginning(Properties clientProperties, List<String> topics, Duration timeout) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props);
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                consumer.close();
                throw new IllegalStateException("topic " + topic + " does not exist: nothing was submitted to this cluster"
                        + " yet, or --topic-prefix differs from the workers'");
            }
            infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /** The record's message, or empty for a tombstone or bytes that are not a Tunestream message. */
    public static Optional<SpecificRecordBase> decode(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(MessageCodec.get().decode(record.value()));
        } catch (MessageFormatException e) {
            LOG.warn("skipping an unreadable record at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            return Optional.empty();
        }
    }
}
