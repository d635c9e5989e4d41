package io.tunestream.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tunestream.coordinator.service.CoordinatorServer;
import io.tunestream.coordinator.service.CoordinatorState;
import io.tunestream.coordinator.service.StateReader;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tunestream coordinator}: the long-running service: state from Kafka, a JSON API, Prometheus metrics. */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
        description = {"Serve every run's state from Kafka as a JSON API and Prometheus metrics.",
            "The state is rebuilt by reading the topics again after a restart. Endpoints: /api/sweeps, /api/runs,",
            "/api/runs/RUN, /api/runs/RUN/metrics, /metrics."})
final class CoordinatorCommand implements Callable<Integer> {

    @Option(names = "--http-port", defaultValue = "8080", description = "Port of the API and metrics (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--http-host", defaultValue = "0.0.0.0", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String httpHost;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of new requests and metrics topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            kafka.topics().ensure(admin, partitions, KafkaOptions.TIMEOUT);
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CoordinatorState state = new CoordinatorState();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "coordinator-shutdown"));
        try (StateReader reader = new StateReader(kafka.clientProperties(), kafka.topics(), state);
                CoordinatorServer server = CoordinatorServer.start(state, registry, httpHost, httpPort)) {
            System.err.printf("coordinator on %s: API and metrics at http://%s:%d/ (reading history...)%n",
                    kafka.bootstrapServers, httpHost, server.port());
            if (reader.awaitCaughtUp(Duration.ofMinutes(10))) {
                System.err.printf("state rebuilt: %d runs%n", state.runs(null).size());
            }
            stopped.await();
        }
        return 0;
    }
}
