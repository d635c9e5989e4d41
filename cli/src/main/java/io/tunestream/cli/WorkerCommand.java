package io.tunestream.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tunestream.schemas.KafkaClientProperties;
import io.tunestream.schemas.Topics;
import io.tunestream.worker.host.PodDeletionCost;
import io.tunestream.worker.metrics.MetricsServer;
import io.tunestream.worker.metrics.WorkerMetrics;
import io.tunestream.worker.queue.QueueMode;
import io.tunestream.worker.service.Worker;
import io.tunestream.worker.service.WorkerConfig;
import io.tunestream.worker.store.StoreLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tunestream worker}: consume experiment requests from Kafka and run them until stopped. */
@Command(
        name = "worker",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {"Train experiment requests from Kafka one at a time, streaming metrics and status back.",
            "SIGTERM (or Ctrl-C) finishes the current step, checkpoints, hands the run back and exits."})
final class WorkerCommand implements Callable<Integer> {

    /** Leaves the orchestrator's usual 30 s grace period a margin for the JVM to exit. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(25);

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            defaultValue = "${env:TUNESTREAM_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
            description = "Kafka's address (default: $TUNESTREAM_BOOTSTRAP_SERVERS, else ${DEFAULT-VALUE}), as for every command.")
    String bootstrapServers;

    @Option(names = "--queue-mode", defaultValue = "share", paramLabel = "MODE",
            description = "share (a share group, Kafka 4.2+; default) or group (a classic consumer group, older brokers).")
    String queueMode;

    @Option(names = "--group", defaultValue = WorkerConfig.DEFAULT_GROUP, description = "Share or consumer group of all workers (default: ${DEFAULT-VALUE}).")
    String group;

    @Option(names = "--worker-id", description = "This worker's name in statuses and metrics (default: host-pid-random).")
    String workerId;

    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--model-root", paramLabel = "DIR",
            description = "A directory under which requests may name HuggingFace models (hf:DIR); repeatable. Without one, only minilm-l6 and random: models.")
    List<Path> modelRoots = new ArrayList<>();

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where datasets are looked for first (then $TUNESTREAM_DATA_DIR, then the user cache).")
    Path dataDir;

    @Option(names = "--client-properties", paramLabel = "FILE",
            description = "Kafka client settings (security.protocol, sasl.*, ssl.*, timeouts) passed to every client.")
    Path clientProperties;

    @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX, description = "Prefix of every topic name (default: ${DEFAULT-VALUE}).")
    String topicPrefix;

    @Option(names = "--partitions", defaultValue = "6",
            description = "Partitions of the submissions, status and metrics topics when the worker creates them (the requests topic has one) (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics at http://HOST:PORT/metrics (0: a free port; default: not served).")
    Integer metricsPort;

    @Option(names = "--metrics-host", defaultValue = "127.0.0.1", description = "Address the metrics and health endpoints"
            + " listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for every interface, as a scraper on"
            + " another host or a Kubernetes probe needs).")
    String metricsHost;

    @Option(names = "--run-series-grace", defaultValue = "60", paramLabel = "SECONDS",
            description = "How long a finished run's metric series stay before they are removed (default: ${DEFAULT-VALUE}).")
    long runSeriesGraceSeconds;

    @Option(names = "--pod-deletion-cost", description = "In Kubernetes: keep this pod's"
            + " controller.kubernetes.io/pod-deletion-cost at 1000 while it trains and 0 while idle, so that scaling down"
            + " removes idle workers first (needs the pod's service account to patch pods; deploy/k8s/worker.yaml).")
    boolean podDeletionCost;

    @Mixin
    ComputeOptions compute;

    @Override
    public Integer call() throws Exception {
        StoreLocation store = storeOptions.location();
        WorkerConfig config = WorkerConfig.defaults(bootstrapServers, store)
                .withQueueMode(QueueMode.fromId(queueMode))
                .withGroupId(group)
                .withWorkerId(workerId != null ? workerId : WorkerConfig.defaultWorkerId())
                .withTopics(new Topics(topicPrefix))
                .withClientProperties(KafkaClientProperties.load(clientProperties))
                .withModelRoots(modelRoots)
                .withDataDirectory(Optional.ofNullable(dataDir))
                .withDevice(compute.device);
        if (runSeriesGraceSeconds < 0) {
            throw new IllegalArgumentException("--run-series-grace must not be negative, got " + runSeriesGraceSeconds);
        }
        System.err.printf("worker %s: connecting to Kafka at %s (waiting up to %d s)%n", config.workerId(), bootstrapServers,
                KafkaOptions.SERVICE_CONNECT_TIMEOUT.toSeconds());
        KafkaOptions.requireAnswer(config.baseClientProperties(), KafkaOptions.SERVICE_CONNECT_TIMEOUT, true, clientProperties);
        try (Admin admin = Admin.create(config.baseClientProperties())) {
            config.topics().ensure(admin, partitions, Duration.ofSeconds(60));
        }
        System.err.printf("worker %s: training on %s, %s%n", config.workerId(), compute.device(), compute.applyThreads(1));
        PrometheusMeterRegistry registry = WorkerMetrics.prometheusRegistry(config.topics());
        MetricsServer metrics = metricsPort == null ? null : MetricsServer.start(registry, metricsHost, metricsPort);
        Worker worker = new Worker(config, new WorkerMetrics(registry, config.workerId(), Duration.ofSeconds(runSeriesGraceSeconds)));
        if (podDeletionCost) {
            PodDeletionCost cost = PodDeletionCost.inCluster(System.getenv());
            cost.busy(false);
            worker.onBusyChange(cost::busy);
            System.err.printf("worker %s: keeping its pod's %s up to date (%d training, %d idle)%n", config.workerId(),
                    PodDeletionCost.ANNOTATION, PodDeletionCost.BUSY, PodDeletionCost.IDLE);
        }
        if (metrics != null) {
            metrics.serveHealth(worker::startup, worker::liveness, worker::readiness);
        }
        Thread hook = new Thread(() -> {
            worker.shutdown();
            try {
                if (worker.awaitStopped(SHUTDOWN_GRACE)) {
                    // the run is handed back and the training thread has ended: a clean stop, so exit 0 rather than
                    // the JVM's 143 for a signal, which orchestrators would report as a failure
                    System.err.printf("worker %s stopped%n", config.workerId());
                    Runtime.getRuntime().halt(0);
                }
                // exiting normally under a training thread inside libtorch crashes the JVM; end the process at once
                System.err.printf("worker %s did not hand its run back within %d s; the coordinator will dispatch it again%n",
                        config.workerId(), SHUTDOWN_GRACE.toSeconds());
                Runtime.getRuntime().halt(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "worker-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        System.err.printf("worker %s: %s mode on %s, checkpoints in %s%n", config.workerId(), config.queueMode().id(),
                bootstrapServers, StoreOptions.describe(store));
        if (metrics != null) {
            System.err.printf("metrics at http://%s:%d/metrics%n", metricsHost, metrics.port());
        }
        try {
            worker.run();
        } finally {
            if (metrics != null) {
                metrics.close();
            }
        }
        return 0;
    }
}
