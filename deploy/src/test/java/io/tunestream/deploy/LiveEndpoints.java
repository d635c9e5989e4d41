package io.tunestream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tunestream.coordinator.schedule.Scheduler;
import io.tunestream.coordinator.service.CoordinatorServer;
import io.tunestream.coordinator.service.CoordinatorState;
import io.tunestream.worker.metrics.MetricsServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the real coordinator and worker HTTP servers answer on loopback: the deployment files' metric names and
 * scrape paths are checked against these answers, not against copies of the names.
 */
final class LiveEndpoints {

    /** A sample line of the text exposition format: name, optional labels, value. */
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+\\S+.*$");

    private LiveEndpoints() {}

    /** The coordinator's /metrics body (or what it answers at {@code path}), with no runs known. */
    static String coordinatorScrape(String path) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (CoordinatorServer server = CoordinatorServer.start(new CoordinatorState(),
                new Scheduler(Duration.ofMinutes(5)), registry, "127.0.0.1", 0)) {
            return get(server.port(), path);
        }
    }

    /** What a worker's metrics endpoint answers at {@code path}. */
    static String workerScrape(String path) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (MetricsServer server = MetricsServer.start(registry, "127.0.0.1", 0)) {
            return get(server.port(), path);
        }
    }

    /** What a worker's endpoint answers at a health {@code path}, its probes always up. */
    static String workerHealth(String path) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        io.tunestream.schemas.Health up = io.tunestream.schemas.Health.up("test");
        try (MetricsServer server = MetricsServer.start(registry, "127.0.0.1", 0).serveHealth(() -> up, () -> up, () -> up)) {
            return get(server.port(), path);
        }
    }

    static Set<String> metricNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            Matcher matcher = SAMPLE.matcher(line);
            if (!line.startsWith("#") && matcher.matches()) {
                names.add(matcher.group(1));
            }
        }
        return names;
    }

    /** The values of one label over every sample of one metric. */
    static Set<String> labelValues(String exposition, String metric, String label) {
        Set<String> values = new TreeSet<>();
        Pattern labelPattern = Pattern.compile(label + "=\"([^\"]*)\"");
        for (String line : exposition.split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (sample.matches() && sample.group(1).equals(metric) && sample.group(2) != null) {
                Matcher value = labelPattern.matcher(sample.group(2));
                if (value.find()) {
                    values.add(value.group(1));
                }
            }
        }
        return values;
    }

    private static String get(int port, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build();
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), "GET " + path + " answered " + response.statusCode());
            return response.body();
        } catch (IOException e) {
            throw new AssertionError("GET " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
