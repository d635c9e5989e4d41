package io.tunestream.cli;

import io.tunestream.schemas.KafkaClientProperties;
import io.tunestream.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import picocli.CommandLine.Option;

/** The options every command that talks to Kafka shares. */
final class KafkaOptions {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /**
     * How long a command waits for the broker to answer at all. A broker that is up answers in milliseconds; a
     * client left to its defaults retries for 30-60 s before it fails, which reads as a hang.
     */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** How long a service (worker, coordinator) waits for a broker started beside it, saying that it waits. */
    static final Duration SERVICE_CONNECT_TIMEOUT = Duration.ofSeconds(60);

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            defaultValue = "${env:TUNESTREAM_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
            description = "Kafka's address (default: $TUNESTREAM_BOOTSTRAP_SERVERS, else ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--client-properties", paramLabel = "FILE", description = "Kafka client settings (security, timeouts).")
    Path clientPropertiesFile;

    @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX, description = "Prefix of every topic name (default: ${DEFAULT-VALUE}).")
    String topicPrefix;

    private boolean answered;

    /**
     * The client settings, once the broker has answered: a command run with no broker says so within
     * {@link #CONNECT_TIMEOUT}, naming the address it tried and how to start one.
     */
    Properties clientProperties() {
        return clientProperties(CONNECT_TIMEOUT);
    }

    /** As {@link #clientProperties()}, waiting up to {@code wait} for the broker: for services started beside it. */
    Properties clientProperties(Duration wait) {
        Properties props = KafkaClientProperties.load(clientPropertiesFile);
        props.put("bootstrap.servers", bootstrapServers);
        if (!answered) {
            requireAnswer(props, wait, clientPropertiesFile);
            answered = true;
        }
        return props;
    }

    Topics topics() {
        return new Topics(topicPrefix);
    }

    /**
     * Returns once the broker named in {@code props} answers; after {@code wait}, refuses naming the address tried
     * and how to start a broker.
     */
    static void requireAnswer(Properties props, Duration wait, Path clientPropertiesFile) {
        Admin admin = Admin.create(props);
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) wait.toMillis()))
                    .clusterId().get(wait.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new IllegalArgumentException("no Kafka broker answered at " + props.getProperty("bootstrap.servers")
                    + " within " + wait.toSeconds() + " s: start one with './tunestream broker', or give its address with"
                    + " --bootstrap-servers or TUNESTREAM_BOOTSTRAP_SERVERS"
                    + (clientPropertiesFile == null ? "" : " (and check the security settings in " + clientPropertiesFile + ")"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to Kafka", e);
        } finally {
            admin.close(Duration.ZERO);
        }
    }
}
