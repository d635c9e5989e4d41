package io.tunestream.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tunestream.broker.EmbeddedKafkaBroker;
import io.tunestream.coordinator.service.Coordinator;
import io.tunestream.coordinator.service.CoordinatorServer;
import io.tunestream.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The coordinator's probes reflect its scheduler loop, not only its HTTP server: ready once it has read the topics'
 * history, and not alive (503, with the reason) once the loop has stopped on a bug, while the server still answers.
 */
class HealthTest {

    @Test
    @Timeout(120)
    void aSchedulerThatStopsOnABugMakesTheCoordinatorNotAlive() throws Exception {
        Topics topics = Topics.defaults();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startDefault()) {
            Properties client = new Properties();
            client.put("bootstrap.servers", broker.bootstrapServers());
            try (Admin admin = Admin.create(client)) {
                topics.ensure(admin, 1, Duration.ofSeconds(30));
            }
            try (Coordinator coordinator = Coordinator.start(client, topics, Coordinator.Settings.defaults());
                    CoordinatorServer server = CoordinatorServer.start(coordinator,
                            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), "127.0.0.1", 0)) {
                assertTrue(coordinator.awaitCaughtUp(Duration.ofSeconds(60)));
                String base = "http://127.0.0.1:" + server.port();
                HttpResponse<String> ready = awaitStatus(base + "/healthz/ready", 200);
                assertTrue(ready.body().startsWith("{\"status\":\"up\",\"detail\":\"scheduling; 0 runs known\""), ready.body());
                assertEquals(200, get(base + "/healthz/live").statusCode());

                coordinator.injectSchedulerFault(new IllegalStateException("a bug in a tick"));
                HttpResponse<String> live = awaitStatus(base + "/healthz/live", 503);
                assertEquals("{\"status\":\"down\",\"detail\":\"the scheduler stopped on a bug (java.lang.IllegalStateException:"
                        + " a bug in a tick); runs are no longer dispatched\"}", live.body().strip());
                assertEquals(503, get(base + "/healthz/ready").statusCode(), "not alive is not ready");
                assertEquals(200, get(base + "/metrics").statusCode(), "the server itself still answers");
            }
        }
    }

    private static HttpResponse<String> awaitStatus(String url, int status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpResponse<String> response = get(url);
        while (response.statusCode() != status && System.nanoTime() < deadline) {
            Thread.sleep(100);
            response = get(url);
        }
        assertEquals(status, response.statusCode(), url + ": " + response.body());
        return response;
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
