package io.tunestream.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tunestream.coordinator.access.ApiAccess;
import io.tunestream.coordinator.service.Coordinator;
import io.tunestream.coordinator.service.CoordinatorServer;
import io.tunestream.schemas.Tls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tunestream coordinator}: the long-running service: scheduling, state from Kafka, a JSON API, Prometheus metrics. */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
        description = {"Schedule submitted runs onto workers, and serve every run's state as a JSON API and Prometheus "
                    + "metrics.",
            "It dispatches by priority (aged, so no run waits forever) within each sweep's limits and budgets, "
                    + "retries runs that failed for the infrastructure, and stops runs by the sweep's early-stopping rule. "
                    + "Its state is rebuilt by reading the topics again after a restart; run one per cluster. Endpoints: "
                    + "/api/sweeps, /api/runs, /api/runs/RUN, /api/runs/RUN/metrics, /api/runs/RUN/logs, /metrics. It tells "
                    + "a sweep's webhook (schedule.notify) when a run fails for good and when the sweep finishes."})
final class CoordinatorCommand implements Callable<Integer> {

    @Option(names = "--http-port", defaultValue = "8080", description = "Port of the API and metrics (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--http-host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE},"
            + " this machine only; 0.0.0.0 for every interface, as workers' scrapers, KEDA and probes on other hosts need).")
    String httpHost;

    @Option(names = "--api-tokens", paramLabel = "FILE", description = "Callers of the API's mutations (cancel): lines"
            + " NAME ROLE TOKEN, roles viewer, submitter, admin (docs/operations.md, \"API access\"). Without it the API"
            + " is read-only.")
    Path apiTokens;

    @Option(names = "--protect-reads", description = "Reads need a token too (any role); with --api-tokens.")
    boolean protectReads;

    @Option(names = "--tls-keystore", paramLabel = "FILE", description = "Serve the API and metrics over HTTPS with this"
            + " PKCS12 keystore; its password from $TUNESTREAM_TLS_PASSWORD.")
    Path tlsKeystore;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of new submissions, status and metrics topics (the requests topic has one) (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--aging-seconds", defaultValue = "300",
            description = "A waiting run gains one priority level every this many seconds (default: ${DEFAULT-VALUE}).")
    long agingSeconds;

    @Option(names = "--start-timeout", defaultValue = "120", paramLabel = "SECONDS",
            description = "A dispatched run no worker starts within this long is dispatched again, or fails after maxAttempts (default: ${DEFAULT-VALUE}).")
    long startTimeoutSeconds;

    @Option(names = "--worker-timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "A running run whose worker is not heard of for this long is dispatched again, or fails after maxAttempts (default: ${DEFAULT-VALUE}).")
    long workerTimeoutSeconds;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        if (agingSeconds < 1) {
            throw new IllegalArgumentException("--aging-seconds must be at least 1, got " + agingSeconds);
        }
        if (startTimeoutSeconds < 1 || workerTimeoutSeconds < 1) {
            throw new IllegalArgumentException("--start-timeout and --worker-timeout must be at least 1 second, got "
                    + startTimeoutSeconds + " and " + workerTimeoutSeconds);
        }
        System.err.printf("coordinator: connecting to Kafka at %s (waiting up to %d s)%n", kafka.bootstrapServers,
                KafkaOptions.SERVICE_CONNECT_TIMEOUT.toSeconds());
        try (Admin admin = Admin.create(kafka.serviceClientProperties())) {
            kafka.topics().ensure(admin, partitions, KafkaOptions.TIMEOUT);
        }
        if (protectReads && apiTokens == null) {
            throw new IllegalArgumentException("--protect-reads needs --api-tokens FILE: without tokens no one could read");
        }
        ApiAccess access = apiTokens == null ? ApiAccess.readOnly() : ApiAccess.fromFile(apiTokens, protectReads);
        Optional<SSLContext> tls = Optional.empty();
        if (tlsKeystore != null) {
            String password = System.getenv("TUNESTREAM_TLS_PASSWORD");
            if (password == null) {
                throw new IllegalArgumentException("--tls-keystore needs its password in $TUNESTREAM_TLS_PASSWORD");
            }
            tls = Optional.of(Tls.serving(tlsKeystore, password.toCharArray()));
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Coordinator.Settings settings = Coordinator.Settings.defaults().withAging(Duration.ofSeconds(agingSeconds))
                .withTimeouts(Duration.ofSeconds(startTimeoutSeconds), Duration.ofSeconds(workerTimeoutSeconds));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "coordinator-shutdown"));
        try (Coordinator coordinator = Coordinator.start(kafka.clientProperties(), kafka.topics(), settings);
                CoordinatorServer server = CoordinatorServer.start(coordinator, registry, httpHost, httpPort, access, tls)) {
            System.err.printf("coordinator on %s: API and metrics at %s://%s:%d/ (reading history...)%n",
                    kafka.bootstrapServers, tls.isPresent() ? "https" : "http", httpHost, server.port());
            if (coordinator.awaitCaughtUp(Duration.ofMinutes(10))) {
                System.err.printf("state rebuilt: %d runs; scheduling%n", coordinator.state().runs(null).size());
            }
            stopped.await();
        }
        return 0;
    }
}
