package io.tunestream.worker.service;

import io.tunestream.schemas.Topics;
import io.tunestream.worker.queue.QueueMode;
import io.tunestream.worker.store.StoreLocation;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

/**
 * Everything a worker is started with; checked here, so a bad flag fails before the worker joins the queue.
 *
 * @param bootstrapServers Kafka's address, host:port[,host:port...]
 * @param queueMode share group (default) or classic consumer group
 * @param groupId the share or consumer group all workers of a deployment join
 * @param workerId this worker's name in statuses, heartbeats and metrics
 * @param topics topic names
 * @param checkpointStore where runs keep their checkpoints, reached by every worker: a shared directory or an S3
 *     bucket (docs/worker.md, "The checkpoint store")
 * @param clientProperties extra Kafka client settings (security, timeouts), passed through to every client
 * @param modelRoots directories under which requests may name HuggingFace models; none: no such models
 * @param dataDirectory where datasets are looked for first; empty: the environment variable, then the user cache
 * @param pollTimeout how long one poll of the requests topic waits
 * @param runCheckInterval how often the worker's thread, waiting for its run, passes a shutdown on to it
 * @param statusInterval how often a running run's status is refreshed between evaluations
 * @param heartbeatInterval how often the worker says it is alive
 * @param device where runs train: {@code cpu}, {@code cuda} or {@code cuda:N}; null: the engine's first GPU if any,
 *     else the CPU (docs/operations.md, "Devices")
 */
public record WorkerConfig(
        String bootstrapServers,
        QueueMode queueMode,
        String groupId,
        String workerId,
        Topics topics,
        StoreLocation checkpointStore,
        Properties clientProperties,
        List<Path> modelRoots,
        Optional<Path> dataDirectory,
        Duration pollTimeout,
        Duration runCheckInterval,
        Duration statusInterval,
        Duration heartbeatInterval,
        String device) {

    public static final String DEFAULT_GROUP = "tunestream-workers";

    public WorkerConfig {
        if (bootstrapServers == null || !bootstrapServers.matches("[^\\s,]+:\\d+(,[^\\s,]+:\\d+)*")) {
            throw new IllegalArgumentException("bootstrap servers must be host:port[,host:port...], got '" + bootstrapServers + "'");
        }
        if (groupId == null || groupId.isBlank()) {
            throw new IllegalArgumentException("group id must not be empty");
        }
        if (workerId == null || !workerId.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new IllegalArgumentException("worker id must be 1 to 100 letters, digits, '.', '_' or '-', got '" + workerId + "'");
        }
        if (checkpointStore == null) {
            throw new IllegalArgumentException("a checkpoint store is required");
        }
        for (Duration d : List.of(pollTimeout, runCheckInterval, statusInterval, heartbeatInterval)) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("intervals must be positive, got " + d);
            }
        }
        clientProperties = copy(clientProperties);
        modelRoots = List.copyOf(modelRoots);
    }

    /** A worker on {@code bootstrapServers} with every other setting at its default. */
    public static WorkerConfig defaults(String bootstrapServers, Path checkpointStore) {
        return defaults(bootstrapServers, StoreLocation.directory(checkpointStore));
    }

    /** A worker on {@code bootstrapServers} keeping checkpoints in {@code checkpointStore}, the rest at defaults. */
    public static WorkerConfig defaults(String bootstrapServers, StoreLocation checkpointStore) {
        return new WorkerConfig(bootstrapServers, QueueMode.SHARE, DEFAULT_GROUP, defaultWorkerId(), Topics.defaults(),
                checkpointStore, new Properties(), List.of(), Optional.empty(), Duration.ofMillis(500),
                Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(5), null);
    }

    /** host-pid-random: unique per process, readable in dashboards. */
    public static String defaultWorkerId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.-]", "-");
        } catch (UnknownHostException e) {
            host = "worker";
        }
        return host + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 4);
    }

    public WorkerConfig withQueueMode(QueueMode mode) {
        return new WorkerConfig(bootstrapServers, mode, groupId, workerId, topics, checkpointStore, clientProperties,
                modelRoots, dataDirectory, pollTimeout, runCheckInterval, statusInterval, heartbeatInterval, device);
    }

    public WorkerConfig withWorkerId(String id) {
        return new WorkerConfig(bootstrapServers, queueMode, groupId, id, topics, checkpointStore, clientProperties,
                modelRoots, dataDirectory, pollTimeout, runCheckInterval, statusInterval, heartbeatInterval, device);
    }

    public WorkerConfig withGroupId(String id) {
        return new WorkerConfig(bootstrapServers, queueMode, id, workerId, topics, checkpointStore, clientProperties,
                modelRoots, dataDirectory, pollTimeout, runCheckInterval, statusInterval, heartbeatInterval, device);
    }

    public WorkerConfig withTopics(Topics newTopics) {
        return new WorkerConfig(bootstrapServers, queueMode, groupId, workerId, newTopics, checkpointStore,
                clientProperties, modelRoots, dataDirectory, pollTimeout, runCheckInterval, statusInterval, heartbeatInterval, device);
    }

    public WorkerConfig withClientProperties(Properties properties) {
        return new WorkerConfig(bootstrapServers, queueMode, groupId, workerId, topics, checkpointStore, properties,
                modelRoots, dataDirectory, pollTimeout, runCheckInterval, statusInterval, heartbeatInterval, device);
    }

    public WorkerConfig withRunCheckInterval(Duration interval) {
        return new WorkerConfig(bootstrapServers, queueMode, groupId, workerId, topics, checkpointStore,
                clientProperties, modelRoots, dataDirectory, pollTimeout, interval, statusInterval, heartbeatInterval, device);
    }

    public WorkerConfig withModelRoots(List<Path> roots) {
        return new WorkerConfig(bootstrapServers, queueMode, groupId, workerId, topics, checkpointStore,
                clientProperties, roots, dataDirectory, pollTimeout, runCheckInterval, statusInterval, heartbeatInterval, device);
    }

    public WorkerConfig withDataDirectory(Optional<Path> directory) {
        return new WorkerConfig(bootstrapServers, queueMode, groupId, workerId, topics, checkpointStore,
                clientProperties, modelRoots, directory, pollTimeout, runCheckInterval, statusInterval, heartbeatInterval, device);
    }

    /** This worker training on {@code spec} ({@code cpu}, {@code cuda}, {@code cuda:N}; null: the engine's default). */
    public WorkerConfig withDevice(String spec) {
        return new WorkerConfig(bootstrapServers, queueMode, groupId, workerId, topics, checkpointStore, clientProperties,
                modelRoots, dataDirectory, pollTimeout, runCheckInterval, statusInterval, heartbeatInterval, spec);
    }

    /** The settings every client starts from: the properties file, then the bootstrap address. */
    public Properties baseClientProperties() {
        Properties props = copy(clientProperties);
        props.put("bootstrap.servers", bootstrapServers);
        return props;
    }

    private static Properties copy(Properties properties) {
        Properties copy = new Properties();
        if (properties != null) {
            copy.putAll(properties);
        }
        return copy;
    }
}
