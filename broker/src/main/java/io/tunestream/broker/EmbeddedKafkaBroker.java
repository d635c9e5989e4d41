package io.tunestream.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.authorizer.StandardAuthorizer;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node Kafka broker, in-process: Kafka's production {@link KafkaRaftServer} in combined mode (broker
 * and KRaft controller in one node), listening on 127.0.0.1 only. It serves the local demo ({@code tunestream
 * broker}) and the tests of the modules that talk to Kafka; production deployments use a real cluster.
 *
 * <p>Share groups work out of the box: the share-group state topic and the other internal topics are created with
 * replication factor 1. Topics are not created automatically; the project creates its topics explicitly.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startDefault()) {
 *     String bootstrap = broker.bootstrapServers();   // "127.0.0.1:PORT"
 *     ...
 *     broker.stop();      // as if the broker went down: clients see it disappear
 *     broker.restart();   // same address, same data: topics, offsets, share-group state survive
 * }                       // stops, and deletes the data dir when it was a temporary one
 * }</pre>
 *
 * <p>The port is chosen once, at the first {@link #start()}, and kept for every restart, so clients reconnect to the
 * same address. Methods are synchronized; the broker itself runs on Kafka's own threads.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    /** How long {@link #start()} waits for the broker to answer an Admin request before it gives up. */
    public static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    private static final int NODE_ID = 1;
    private static final String CLIENT_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** The optional listener that takes SASL_SSL (SCRAM-SHA-512 over TLS): {@link Builder#optSaslSslListener}. */
    private static final String SECURE_LISTENER = "SECURE";
    private static final String SCRAM = "SCRAM-SHA-512";
    private static final String LOOPBACK = "127.0.0.1";
    /** Set by this class from the port and data dir; an override would break the single-node layout. */
    private static final Set<String> MANAGED_KEYS = Set.of("process.roles", "node.id", "listeners",
            "advertised.listeners", "listener.security.protocol.map", "controller.listener.names",
            "inter.broker.listener.name", "controller.quorum.voters", "controller.quorum.bootstrap.servers",
            "log.dirs", "log.dir", "metadata.log.dir");

    private final Path configuredDataDir;
    private final Map<String, String> overrides;
    private final SaslSslListener saslSsl;
    private Path dataDir;
    private int port;
    private int securePort;
    private KafkaRaftServer server;
    private boolean closed;

    private EmbeddedKafkaBroker(Builder builder) {
        this.configuredDataDir = builder.dataDir;
        this.port = builder.port;
        this.overrides = Collections.unmodifiableMap(new LinkedHashMap<>(builder.properties));
        this.saslSsl = builder.saslSsl;
    }

    /**
     * A listener that authenticates clients with SCRAM-SHA-512 over TLS (docs/operations.md, "Kafka security").
     *
     * @param keystore the broker's PKCS12 keystore: its certificate must name 127.0.0.1 (clients verify it)
     * @param password the keystore's and its key's password
     */
    public record SaslSslListener(Path keystore, String password) {}

    /** A builder: every value is optional. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds and starts a broker with a temporary data dir on a free port. */
    public static EmbeddedKafkaBroker startDefault() {
        EmbeddedKafkaBroker broker = builder().build();
        broker.start();
        return broker;
    }

    /**
     * Formats the data dir on first use, starts the broker and returns once it answers an Admin request.
     *
     * @throws IllegalStateException if it is already running or closed
     * @throws BrokerStartupException if the broker fails to start or is not ready within {@link #STARTUP_TIMEOUT}
     */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("the broker is closed");
        }
        if (server != null) {
            throw new IllegalStateException("the broker is already running on " + bootstrapServers());
        }
        if (dataDir == null) {
            dataDir = configuredDataDir != null ? createDirectories(configuredDataDir) : createTempDataDir();
        }
        // every port this start needs, taken together so that they differ: two lookups one after the other can return
        // the same port, and a listener pair on one port fails the broker's config check
        int[] free = freeLoopbackPorts(3);
        if (port == 0) {
            port = free[0];
        }
        if (saslSsl != null && securePort == 0) {
            securePort = free[1] != port ? free[1] : free[2];
        }
        int controllerPort = java.util.Arrays.stream(free).filter(p -> p != port && p != securePort).findFirst().orElseThrow();
        // The controller port is internal: with a static voter set it lives only in the config, so a fresh one
        // per start is safe and cannot collide with a port that a crashed run still holds.
        Properties properties = brokerProperties(port, controllerPort, dataDir, overrides);
        if (saslSsl != null) {
            addSaslSslListener(properties, securePort, saslSsl);
        }
        KafkaConfig config = new KafkaConfig(properties, false);
        KafkaRaftServer started = null;
        try {
            if (!Files.exists(dataDir.resolve("meta.properties"))) {
                format(config);
            }
            started = new KafkaRaftServer(config, Time.SYSTEM);
            started.startup();
            awaitReady(STARTUP_TIMEOUT);
            server = started;
        } catch (BrokerStartupException e) {
            shutDownQuietly(started);
            throw e;
        } catch (RuntimeException e) {
            shutDownQuietly(started);
            throw new BrokerStartupException("the broker on " + bootstrapServers() + " failed to start: " + e, e);
        }
    }

    /** {@code "127.0.0.1:PORT"}, for {@code bootstrap.servers}. The port is fixed once the broker first starts. */
    public synchronized String bootstrapServers() {
        if (port == 0) {
            throw new IllegalStateException("the broker has no port yet: call start() first");
        }
        return LOOPBACK + ":" + port;
    }

    /**
     * {@code "127.0.0.1:PORT"} of the SASL_SSL listener, for clients that authenticate.
     *
     * @throws IllegalStateException when the broker was built without one, or has not started yet
     */
    public synchronized String secureBootstrapServers() {
        if (saslSsl == null) {
            throw new IllegalStateException("the broker has no SASL_SSL listener: build it with optSaslSslListener");
        }
        if (securePort == 0) {
            throw new IllegalStateException("the broker has no port yet: call start() first");
        }
        return LOOPBACK + ":" + securePort;
    }

    /** The client port, fixed for the life of this object once the broker first starts. */
    public synchronized int port() {
        return port;
    }

    /** The data dir (Kafka's log dir), or null before the first start when none was configured. */
    public synchronized Path dataDir() {
        return dataDir;
    }

    /** Whether the broker is running. */
    public synchronized boolean isRunning() {
        return server != null;
    }

    /** Shuts the broker down and keeps its data; {@link #restart()} brings it back. A no-op when stopped. */
    public synchronized void stop() {
        KafkaRaftServer running = server;
        server = null;
        if (running != null) {
            running.shutdown();
            running.awaitShutdown();
        }
    }

    /** Stops the broker if it runs and starts it again on the same port and data dir. */
    public synchronized void restart() {
        stop();
        start();
    }

    /** Stops the broker and deletes the data dir if it was a temporary one. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop();
        if (configuredDataDir == null && dataDir != null) {
            try {
                Utils.delete(dataDir.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException("could not delete the broker's temporary data dir " + dataDir, e);
            }
        }
    }

    /** The broker's configuration: the single-node settings, then the overrides. Every non-default value says why. */
    private static Properties brokerProperties(int port, int controllerPort, Path dataDir, Map<String, String> overrides) {
        Properties props = new Properties();
        // Combined mode: one process is both the broker and the only KRaft controller.
        props.setProperty("process.roles", "broker,controller");
        props.setProperty("node.id", Integer.toString(NODE_ID));
        // Static voter set of one: no dynamic-quorum bootstrapping to format or wait for.
        props.setProperty("controller.quorum.voters", NODE_ID + "@" + LOOPBACK + ":" + controllerPort);
        props.setProperty("controller.listener.names", CONTROLLER_LISTENER);
        // Loopback only: a developer's broker is never reachable from the network.
        props.setProperty("listeners", CLIENT_LISTENER + "://" + LOOPBACK + ":" + port + ","
                + CONTROLLER_LISTENER + "://" + LOOPBACK + ":" + controllerPort);
        props.setProperty("advertised.listeners", CLIENT_LISTENER + "://" + LOOPBACK + ":" + port);
        props.setProperty("listener.security.protocol.map",
                CLIENT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.setProperty("inter.broker.listener.name", CLIENT_LISTENER);
        // The data dir holds both the partitions and the KRaft metadata log.
        props.setProperty("log.dirs", dataDir.toAbsolutePath().toString());
        // The project creates its topics explicitly; a typo in a topic name must fail, not create a topic.
        props.setProperty("auto.create.topics.enable", "false");
        // One node: internal topics cannot have the default replication factor 3 or min.isr 2.
        props.setProperty("offsets.topic.replication.factor", "1");
        props.setProperty("transaction.state.log.replication.factor", "1");
        props.setProperty("transaction.state.log.min.isr", "1");
        // Without these two the share-group state topic cannot be created, and share consumers silently get nothing.
        props.setProperty("share.coordinator.state.topic.replication.factor", "1");
        props.setProperty("share.coordinator.state.topic.min.isr", "1");
        // One partition per internal topic instead of 50: a few dirs instead of a hundred, and a quicker restart.
        props.setProperty("offsets.topic.num.partitions", "1");
        props.setProperty("transaction.state.log.num.partitions", "1");
        props.setProperty("share.coordinator.state.topic.num.partitions", "1");
        // A classic consumer group starts at once instead of waiting 3 s for more members to join.
        props.setProperty("group.initial.rebalance.delay.ms", "0");
        // A new share consumer gets its partitions at its next heartbeat: within 0.5 s instead of 5 s. Every local
        // worker start and every test waits for this; the heartbeat traffic is negligible on loopback.
        props.setProperty("group.share.heartbeat.interval.ms", "500");
        props.setProperty("group.share.min.heartbeat.interval.ms", "500");
        overrides.forEach(props::setProperty);
        return props;
    }

    /**
     * A second client listener on loopback taking SASL_SSL with SCRAM-SHA-512 only. The PLAINTEXT listener stays: the
     * broker talks to itself on it, and this class checks readiness through it; with an authorizer, its anonymous
     * principal is the one to make a super user (a test's administrator), and only the SASL_SSL port is for clients.
     */
    private static void addSaslSslListener(Properties props, int securePort, SaslSslListener listener) {
        String address = SECURE_LISTENER + "://" + LOOPBACK + ":" + securePort;
        props.setProperty("listeners", props.getProperty("listeners") + "," + address);
        props.setProperty("advertised.listeners", props.getProperty("advertised.listeners") + "," + address);
        props.setProperty("listener.security.protocol.map",
                props.getProperty("listener.security.protocol.map") + "," + SECURE_LISTENER + ":SASL_SSL");
        String prefix = "listener.name." + SECURE_LISTENER.toLowerCase(java.util.Locale.ROOT) + ".";
        props.setProperty(prefix + "sasl.enabled.mechanisms", SCRAM);
        props.setProperty(prefix + SCRAM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        props.setProperty(prefix + "ssl.keystore.type", "PKCS12");
        props.setProperty(prefix + "ssl.keystore.location", listener.keystore().toAbsolutePath().toString());
        props.setProperty(prefix + "ssl.keystore.password", listener.password());
        props.setProperty(prefix + "ssl.key.password", listener.password());
    }

    /** Writes meta.properties and the bootstrap metadata into an empty data dir, as {@code kafka-storage.sh format}. */
    private static void format(KafkaConfig config) {
        Formatter formatter = new Formatter()
                // The formatter reports on stdout; a command-line user should see only the bootstrap address.
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(config.nodeId())
                .setClusterId(Uuid.randomUuid().toString())
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setMetadataLogDirectory(config.metadataLogDir())
                // Static voters (controller.quorum.voters), not a dynamic quorum; a controller writes the
                // bootstrap snapshot, as `kafka-storage.sh format` does for a node with the controller role.
                .setHasDynamicQuorum(false)
                .setWriteBootstrapSnapshot(true);
        config.logDirs().forEach(formatter::addDirectory);
        try {
            formatter.run();
        } catch (Exception e) {
            throw new BrokerStartupException("could not format the data dir " + config.metadataLogDir() + ": " + e, e);
        }
    }

    /** Waits until an Admin client sees this node in the cluster, so that callers can use the broker at once. */
    private void awaitReady(Duration timeout) {
        Properties adminProps = new Properties();
        adminProps.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        // Fail the whole wait after the timeout, not after the default minute per API call plus retries.
        adminProps.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        try (Admin admin = Admin.create(adminProps)) {
            int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                    .nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
            if (nodes != 1) {
                throw new BrokerStartupException("the broker on " + bootstrapServers() + " reports " + nodes
                        + " nodes after startup, expected 1", null);
            }
        } catch (TimeoutException | ExecutionException e) {
            throw new BrokerStartupException("the broker on " + bootstrapServers() + " did not answer within "
                    + timeout.toSeconds() + " s: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerStartupException("interrupted while waiting for the broker on " + bootstrapServers(), e);
        }
    }

    private static void shutDownQuietly(KafkaRaftServer server) {
        if (server == null) {
            return;
        }
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            // The start already failed; its exception is the one the caller needs to see.
        }
    }

    private static Path createDirectories(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the broker's data dir " + dir, e);
        }
    }

    private static Path createTempDataDir() {
        try {
            return Files.createTempDirectory("tunestream-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a temporary data dir for the broker", e);
        }
    }

    /** {@code count} distinct ports free on the loopback address now (held open together); the broker binds them a moment later. */
    private static int[] freeLoopbackPorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK)));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException("could not find free ports on " + LOOPBACK, e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a listening socket that accepted nothing
                }
            }
        }
    }

    /** The broker did not start or did not become ready in time. */
    public static final class BrokerStartupException extends RuntimeException {
        BrokerStartupException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Builds an {@link EmbeddedKafkaBroker}; every value is optional. */
    public static final class Builder {

        private Path dataDir;
        private int port;
        private SaslSslListener saslSsl;
        private final Map<String, String> properties = new LinkedHashMap<>();

        private Builder() {}

        /**
         * The data dir (Kafka's log dir) to use and keep. Default: a fresh temporary dir, deleted by
         * {@link EmbeddedKafkaBroker#close()}. An existing formatted dir is reused with its topics and offsets.
         */
        public Builder optDataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** The client port on 127.0.0.1. Default 0: a free port, chosen at the first start and kept on restart. */
        public Builder optPort(int port) {
            this.port = port;
            return this;
        }

        /** A second client listener taking SASL_SSL with SCRAM-SHA-512 over TLS; default none. */
        public Builder optSaslSslListener(SaslSslListener listener) {
            this.saslSsl = listener;
            return this;
        }

        /**
         * A broker property that replaces the default, for example {@code group.share.record.lock.duration.ms}.
         * Listeners, roles, node id, quorum and log dirs are managed by this class and cannot be set.
         */
        public Builder optProperty(String key, String value) {
            properties.put(key, value);
            return this;
        }

        /**
         * Validates the values and builds a stopped broker.
         *
         * @throws IllegalArgumentException naming the bad value: a port outside 0..65535, a data dir that is not a
         *     directory, an unknown or managed property, or a value that Kafka's own validation rejects
         */
        public EmbeddedKafkaBroker build() {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is out of range: use 1..65535, or 0 for a free port");
            }
            if (dataDir != null && Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
                throw new IllegalArgumentException("data dir " + dataDir + " exists and is not a directory");
            }
            Set<String> known = new TreeSet<>(KafkaConfig.configDef().names());
            // read by KRaft's StandardAuthorizer, not by the broker's own config definition
            known.add(StandardAuthorizer.SUPER_USERS_CONFIG);
            known.add(StandardAuthorizer.ALLOW_EVERYONE_IF_NO_ACL_IS_FOUND_CONFIG);
            for (Map.Entry<String, String> property : properties.entrySet()) {
                String key = property.getKey();
                if (key == null || property.getValue() == null) {
                    throw new IllegalArgumentException("broker property " + key + "=" + property.getValue()
                            + ": key and value must not be null");
                }
                if (MANAGED_KEYS.contains(key)) {
                    throw new IllegalArgumentException("broker property '" + key + "' is set by the embedded broker "
                            + "and cannot be overridden; managed: " + new TreeSet<>(MANAGED_KEYS));
                }
                if (!known.contains(key)) {
                    throw new IllegalArgumentException("unknown broker property '" + key
                            + "'; valid names are listed at https://kafka.apache.org/documentation/#brokerconfigs");
                }
            }
            try {
                // Kafka's own validation (ranges, and cross-checks such as a lock duration above its minimum) now,
                // rather than at start; ports and the dir are placeholders here.
                new KafkaConfig(brokerProperties(1, 2, Path.of("placeholder"), properties), false);
            } catch (ConfigException | IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid broker properties " + properties + ": " + e.getMessage(), e);
            }
            return new EmbeddedKafkaBroker(this);
        }
    }
}
