package io.tunestream.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.tunestream.broker.EmbeddedKafkaBroker;
import io.tunestream.coordinator.kafka.SweepSubmitter;
import io.tunestream.coordinator.service.Coordinator;
import io.tunestream.coordinator.sweep.PlannedRun;
import io.tunestream.coordinator.sweep.Sweep;
import io.tunestream.coordinator.sweep.SweepPlanner;
import io.tunestream.schemas.ControlAction;
import io.tunestream.schemas.ControlCommand;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.Topics;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep's webhook ({@code schedule.notify}) against loopback HTTP servers and the embedded broker: one call per
 * event (a run that fails for good, the sweep finished), retried while the answer is not 2xx and given up after three
 * tries; events of the history a restarted coordinator reads are not sent again.
 */
class NotificationsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Topics topics = Topics.defaults();

    @TempDir
    Path dir;

    /** A loopback server that answers 500 to the first try of each event (or to every try) and records them all. */
    private static final class Hook implements AutoCloseable {
        final HttpServer server;
        final List<JsonNode> calls = new CopyOnWriteArrayList<>();
        final Map<String, Integer> tries = new ConcurrentHashMap<>();

        Hook(boolean alwaysFail) throws Exception {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/hook/secret", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                calls.add(JSON.readTree(body));
                int n = tries.merge(body, 1, Integer::sum);
                exchange.sendResponseHeaders(alwaysFail || n == 1 ? 500 : 204, -1);
                exchange.close();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook/secret";
        }

        /** Distinct events of this kind received, each however many times it was tried. */
        long events(String event) {
            return calls.stream().filter(c -> c.get("event").asText().equals(event)).distinct().count();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    @Timeout(180)
    void eachEventIsPostedOnceRetriedWhileRefusedAndGivenUpAfterThreeTries() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startDefault();
                Hook hook = new Hook(false);
                Hook broken = new Hook(true)) {
            Properties client = new Properties();
            client.put("bootstrap.servers", broker.bootstrapServers());
            try (Admin admin = Admin.create(client)) {
                topics.ensure(admin, 2, Duration.ofSeconds(30));
            }
            try (Coordinator coordinator = Coordinator.start(client, topics,
                    Coordinator.Settings.defaults().withNotifyPause(Duration.ofMillis(100)));
                    KafkaProducer<String, byte[]> producer = new KafkaProducer<>(client, new StringSerializer(), new ByteArraySerializer())) {
                assertTrue(coordinator.awaitCaughtUp(Duration.ofSeconds(30)));
                // "hooked": one run that cannot run (refused, FAILED for good) and one that waits until it is cancelled
                List<PlannedRun> hooked = submit(client, "hooked", hook.url());
                publishRefused(producer, hooked.get(0).request(), "hooked-refused");
                await(() -> hook.events("run_failed") == 1 && hook.tries.size() == 1 && hook.calls.size() == 2,
                        () -> "run_failed delivered; calls " + hook.calls + ", state " + coordinator.state().runs("hooked"));
                assertEquals(0, hook.events("sweep_finished"), "a run is still waiting");
                producer.send(new ProducerRecord<>(topics.control(), hooked.get(0).runId(), MessageCodec.get().encode(
                        ControlCommand.newBuilder().setRunId(hooked.get(0).runId()).setAction(ControlAction.CANCEL)
                                .setReason("test").setIssuedAt(Instant.now()).build()))).get();
                await(() -> hook.tries.size() == 2 && hook.calls.size() == 4, "sweep_finished delivered on its second try");

                JsonNode failed = hook.calls.get(0);
                assertEquals("hooked", failed.get("sweep").asText());
                assertEquals("hooked-refused", failed.get("run").asText());
                assertEquals("BAD_REQUEST", failed.get("kind").asText());
                assertTrue(failed.get("message").asText().contains("maxAttempts must be at least 1"), failed.toString());
                JsonNode finished = hook.calls.get(3);
                assertEquals("sweep_finished", finished.get("event").asText());
                assertEquals(2, finished.get("runs").asInt());
                assertEquals(1, finished.get("states").get("CANCELLED").asInt());
                assertEquals(1, finished.get("states").get("FAILED").asInt());

                // a webhook that always fails gets three tries per event, then nothing more
                List<PlannedRun> lost = submit(client, "lost", broken.url());
                publishRefused(producer, lost.get(0).request(), "lost-refused");
                producer.send(new ProducerRecord<>(topics.control(), lost.get(0).runId(), MessageCodec.get().encode(
                        ControlCommand.newBuilder().setRunId(lost.get(0).runId()).setAction(ControlAction.CANCEL)
                                .setReason("test").setIssuedAt(Instant.now()).build()))).get();
                await(() -> coordinator.notifier().abandoned() == 2, "both events given up");
                Thread.sleep(1_000);
                assertEquals(6, broken.calls.size(), "three tries for each of two events");
                assertEquals(2, coordinator.notifier().delivered());
            }
            // a coordinator that starts now reads all of this as history: it tells nobody again
            try (Coordinator restarted = Coordinator.start(client, topics, Coordinator.Settings.defaults())) {
                assertTrue(restarted.awaitCaughtUp(Duration.ofSeconds(30)));
                Thread.sleep(2_000);
                assertEquals(4, hook.calls.size(), "history notified again");
                assertEquals(6, broken.calls.size(), "history notified again");
            }
        }
    }

    /** Submits a one-run sweep that notifies {@code url}; returns its planned run. */
    private List<PlannedRun> submit(Properties client, String name, String url) throws Exception {
        Path file = Files.writeString(dir.resolve(name + ".yaml"), "sweep: " + name + "\nbase: {method: lora, model: random:tiny}\n"
                + "schedule:\n  notify: " + url + "\n");
        Sweep sweep = Sweep.read(file);
        List<PlannedRun> runs = SweepPlanner.plan(sweep, Instant.now());
        new SweepSubmitter(client, topics, Duration.ofSeconds(30)).submit(sweep.schedule().toMessage(name, Instant.now()), runs);
        return runs;
    }

    /** A submission of the same sweep that no worker may take: maxAttempts 0 breaks the request limits. */
    private void publishRefused(KafkaProducer<String, byte[]> producer, ExperimentRequest like, String runId) throws Exception {
        ExperimentRequest refused = ExperimentRequest.newBuilder(like).setRunId(runId).setMaxAttempts(0).build();
        producer.send(new ProducerRecord<>(topics.submissions(), runId, MessageCodec.get().encode(refused))).get();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        await(condition, () -> what);
    }

    private static void await(BooleanSupplier condition, java.util.function.Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, () -> "not within 60 s: " + what.get());
            Thread.sleep(50);
        }
    }
}
