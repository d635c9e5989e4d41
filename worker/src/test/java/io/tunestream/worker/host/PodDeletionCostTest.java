package io.tunestream.worker.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.RunState;
import io.tunestream.worker.queue.QueueMode;
import io.tunestream.worker.service.KafkaFixture;
import io.tunestream.worker.service.Worker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker keeps its pod's deletion cost at 1000 while it trains and 0 otherwise, against a stand-in for the
 * Kubernetes API on loopback that records each merge patch; an API server that refuses never disturbs training.
 */
class PodDeletionCostTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpServer api;
    private final List<String> costs = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final AtomicInteger status = new AtomicInteger(200);

    @BeforeEach
    void startApi() throws IOException {
        api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (!exchange.getRequestMethod().equals("PATCH")
                    || !exchange.getRequestURI().getPath().equals("/api/v1/namespaces/tunestream/pods/tunestream-worker-0")
                    || !"application/merge-patch+json".equals(exchange.getRequestHeaders().getFirst("Content-Type"))
                    || !"Bearer t0ken".equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                problems.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + exchange.getRequestHeaders());
            }
            JsonNode annotations = JSON.readTree(body).path("metadata").path("annotations");
            costs.add(annotations.path(PodDeletionCost.ANNOTATION).asText());
            byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        api.start();
    }

    @AfterEach
    void stopApi() {
        api.stop(0);
    }

    private PodDeletionCost cost() {
        return new PodDeletionCost(HttpClient.newHttpClient(), URI.create("http://127.0.0.1:" + api.getAddress().getPort()),
                "tunestream", "tunestream-worker-0", () -> "t0ken");
    }

    @Test
    @Timeout(120)
    void aTrainingWorkerCostsMoreToDeleteThanAnIdleOne() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                PodDeletionCost cost = cost()) {
            cost.busy(false);
            kafka.startWorker(new Worker(kafka.workerConfig("w1", QueueMode.SHARE)).onBusyChange(cost::busy));
            kafka.submit(KafkaFixture.request("run", AdapterMethodId.lora, 4));
            kafka.awaitState("run", RunState.SUCCEEDED, Duration.ofSeconds(90));
            awaitCosts(3);
        }
        assertEquals(List.of("0", "1000", "0"), costs, "idle at start, busy while training, idle after");
        assertEquals(List.of(), problems);
    }

    @Test
    @Timeout(30)
    void aRefusingApiServerIsToldAgainAtTheNextChangeAndThrowsNothing() throws Exception {
        status.set(403);
        try (PodDeletionCost cost = cost()) {
            cost.busy(true);
            awaitCosts(1);
            status.set(200);
            cost.busy(false);
            awaitCosts(2);
        }
        assertEquals(List.of("1000", "0"), costs);
    }

    private void awaitCosts(int count) throws InterruptedException {
        for (int i = 0; i < 200 && costs.size() < count; i++) {
            Thread.sleep(50);
        }
        assertTrue(costs.size() >= count, "the API server saw " + costs);
    }
}
