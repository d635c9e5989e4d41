package io.tunestream.schemas;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Client settings a deployment supplies in a properties file (security.protocol, sasl.*, ssl.*, client.rack, ...)
 * and that every Kafka client of a worker or the coordinator passes through unchanged. Shared by both deployables,
 * so it lives beside the contracts.
 */
public final class KafkaClientProperties {

    private KafkaClientProperties() {}

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
            throw new IllegalArgumentException("cannot read Kafka client properties file " + file + ": " + e.getMessage(), e);
        }
    }
}
