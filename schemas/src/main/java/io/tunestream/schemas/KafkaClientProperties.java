package io.tunestream.schemas;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Client settings a deployment supplies in a properties file (security.protocol, sasl.*, ssl.*, client.rack, ...)
 * and that every Kafka client of a worker or the coordinator passes through unchanged. Shared by both deployables,
 * so it lives beside the contracts.
 */
public final class KafkaClientProperties {

    private KafkaClientProperties() {}

    /**
     * Producer settings for records that must not be lost or duplicated (submissions, dispatches, orders): the
     * deployment's {@code clientProperties}, then {@code acks=all} and idempotence, with run-id keys and message bytes.
     */
    public static Properties reliableProducer(Properties clientProperties) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return props;
    }

    /**
     * The settings of {@code file}, or none when it is null.
     *
     * @throws IllegalArgumentException when the file is missing or unreadable, naming it
     */
    public static Properties load(Path file) {
        Properties properties = new Properties();
        if (file == null) {
            return properties;
        }
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
            return properties;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Kafka client properties file " + file + " does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read Kafka client properties file " + file + ": " + IoErrors.reason(file, e), e);
        }
    }
}
