package io.tunestream.cli;

import io.tunestream.schemas.KafkaClientProperties;
import io.tunestream.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import picocli.CommandLine.Option;

/** The options every command that talks to Kafka shares. */
final class KafkaOptions {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            defaultValue = "${env:TUNESTREAM_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
            description = "Kafka's address (default: $TUNESTREAM_BOOTSTRAP_SERVERS, else ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--client-properties", paramLabel = "FILE", description = "Kafka client settings (security, timeouts).")
    Path clientPropertiesFile;

    @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX, description = "Prefix of every topic name (default: ${DEFAULT-VALUE}).")
    String topicPrefix;

    Properties clientProperties() {
        Properties props = KafkaClientProperties.load(clientPropertiesFile);
        props.put("bootstrap.servers", bootstrapServers);
        return props;
    }

    Topics topics() {
        return new Topics(topicPrefix);
    }
}
