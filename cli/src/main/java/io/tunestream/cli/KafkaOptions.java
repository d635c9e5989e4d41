package io.tunestream.cli;

import io.tunestream.schemas.IoErrors;
import io.tunestream.schemas.KafkaClientProperties;
import io.tunestream.schemas.Topics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
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
        return connected(CONNECT_TIMEOUT, false);
    }

    /** As {@link #clientProperties()} for a service started beside its broker: waits for it to start, saying so. */
    Properties serviceClientProperties() {
        return connected(SERVICE_CONNECT_TIMEOUT, true);
    }

    private Properties connected(Duration wait, boolean awaitStart) {
        Properties props = KafkaClientProperties.load(clientPropertiesFile);
        props.put("bootstrap.servers", bootstrapServers);
        if (!answered) {
            requireAnswer(props, wait, awaitStart, clientPropertiesFile);
            answered = true;
        }
        return props;
    }

    Topics topics() {
        return new Topics(topicPrefix);
    }

    /**
     * Returns once a bootstrap server named in {@code props} accepts a connection. A service started beside its broker
     * ({@code awaitStart}) tries again until {@code wait} has passed; a command takes a refusal as the answer. Else
     * it says so, naming the addresses tried and how to start a broker. A plain TCP connection: a Kafka
     * client of its own would cost a command half a second on every start (docs/operations.md, Start-up), and the
     * command's own client reports a broker that accepts but then fails to answer.
     */
    static void requireAnswer(Properties props, Duration wait, boolean awaitStart, Path clientPropertiesFile) {
        String servers = props.getProperty("bootstrap.servers");
        long deadline = System.nanoTime() + wait.toNanos();
        String why = "no address given";
        while (true) {
            for (String server : servers.split(",")) {
                try {
                    connect(server.trim(), Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                    return;
                } catch (IOException | IllegalArgumentException e) {
                    why = e instanceof java.net.SocketTimeoutException ? "no answer within " + wait.toSeconds() + " s"
                            : e instanceof IllegalArgumentException ? e.getMessage() : IoErrors.reason(null, e);
                }
            }
            if (!awaitStart || System.nanoTime() >= deadline) {
                break;
            }
            try {
                Thread.sleep(Math.min(1_000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while connecting to Kafka", e);
            }
        }
        throw new IllegalArgumentException("no Kafka broker answered at " + servers + " (" + why + "): start one with"
                + " './tunestream broker', or give its address with --bootstrap-servers or TUNESTREAM_BOOTSTRAP_SERVERS"
                + (clientPropertiesFile == null ? "" : " (and check the security settings in " + clientPropertiesFile + ")"));
    }

    private static void connect(String server, long timeoutMillis) throws IOException {
        int colon = server.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("'" + server + "' is not HOST:PORT");
        }
        int port;
        try {
            port = Integer.parseInt(server.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + server + "' is not HOST:PORT");
        }
        String host = server.substring(0, colon).replace("[", "").replace("]", "");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) Math.min(Integer.MAX_VALUE, timeoutMillis));
        }
    }
}
