package io.tunestream.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tunestream.broker.EmbeddedKafkaBroker;
import io.tunestream.coordinator.service.CoordinatorServer;
import io.tunestream.coordinator.service.Coordinator;

import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.AdapterSettings;
import io.tunestream.schemas.EvalMetric;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.RunSummary;
import io.tunestream.schemas.StepMetric;
import io.tunestream.schemas.Topics;
import io.tunestream.schemas.TrainingSettings;
import io.tunestream.schemas.WorkerHeartbeat;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A coordinator restarted in the middle of a sweep rebuilds the same state as one that ran throughout: every run,
 * its state and its latest metric, from Kafka alone. Records are published as workers would publish them.
 */
class CoordinatorRestartTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Topics topics = Topics.defaults();

    @Test
    @Timeout(120)
    void aRestartedCoordinatorRebuildsTheSameStateAsOneThatRanThroughout() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startDefault()) {
            Properties client = new Properties();
            client.put("bootstrap.servers", broker.bootstrapServers());
            try (Admin admin = Admin.create(client)) {
                topics.ensure(admin, 2, Duration.ofSeconds(30));
            }
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(client, new StringSerializer(), new ByteArraySerializer())) {
                for (String run : new String[] {"r1", "r2", "r3"}) {
                    // submitted, then dispatched by a coordinator that is gone now
                    publish(producer, topics.submissions(), run, request(run));
                    publish(producer, topics.requests(), run, request(run));
                    publish(producer, topics.status(), run, status(run, RunState.QUEUED, 0, null));
                }
                publish(producer, topics.status(), "r1", status("r1", RunState.RUNNING, 3, null));
                for (int step = 1; step <= 3; step++) {
                    publish(producer, topics.metrics(), "r1", step("r1", step, 0.7 - 0.01 * step));
                }
                publish(producer, topics.metrics(), "r1", eval("r1", 3, 0.81));
                publish(producer, topics.heartbeats(), "w1", heartbeat("w1"));

                try (Coordinator throughout = Coordinator.start(client, topics, Coordinator.Settings.defaults());
                        CoordinatorServer throughoutServer = CoordinatorServer.start(throughout, registry(), "127.0.0.1", 0)) {
                    assertTrue(throughout.awaitCaughtUp(Duration.ofSeconds(30)));
                        try (Coordinator first = Coordinator.start(client, topics, Coordinator.Settings.defaults());
                            CoordinatorServer firstServer = CoordinatorServer.start(first, registry(), "127.0.0.1", 0)) {
                        assertTrue(first.awaitCaughtUp(Duration.ofSeconds(30)));
                        JsonNode runs = get(firstServer, "/api/runs?sweep=s");
                        assertEquals(3, runs.size());
                        String metrics = text(firstServer, "/metrics");
                        assertTrue(metrics.contains("tunestream_runs{state=\"QUEUED\"} 2.0"), metrics);
                        assertTrue(metrics.contains("tunestream_runs{state=\"RUNNING\"} 1.0"), metrics);
                        assertTrue(metrics.contains("tunestream_queue_depth 2.0"), metrics);
                        assertTrue(metrics.contains("tunestream_workers_live 1.0"), metrics);
                        assertTrue(metrics.contains("tunestream_sweep_runs{state=\"QUEUED\",sweep=\"s\"} 2.0"), metrics);
                        assertTrue(metrics.contains("tunestream_run_best_score{dataset=\"glue-sst2\",method=\"lora\",metric=\"accuracy\",model=\"minilm-l6\",rank=\"default\",run=\"r1\",sweep=\"s\"} 0.81"), metrics);
                    }
                    // the sweep goes on while the coordinator is down
                    for (int step = 4; step <= 6; step++) {
                        publish(producer, topics.metrics(), "r1", step("r1", step, 0.7 - 0.01 * step));
                    }
                    publish(producer, topics.status(), "r2", status("r2", RunState.SUCCEEDED, 10, summary()));
                    publish(producer, topics.status(), "r3", status("r3", RunState.RUNNING, 1, null));
                    publish(producer, topics.metrics(), "r3", step("r3", 1, 0.69));

                        try (Coordinator restarted = Coordinator.start(client, topics, Coordinator.Settings.defaults());
                            CoordinatorServer restartedServer = CoordinatorServer.start(restarted, registry(), "127.0.0.1", 0)) {
                        assertTrue(restarted.awaitCaughtUp(Duration.ofSeconds(30)));
                        JsonNode expected = awaitRuns(throughoutServer, "r3", "RUNNING");
                        JsonNode rebuilt = get(restartedServer, "/api/runs?sweep=s");
                        assertEquals(expected, rebuilt);
                        assertEquals("SUCCEEDED", get(restartedServer, "/api/runs/r2").get("state").asText());
                        assertEquals(0.64, get(restartedServer, "/api/runs/r1").get("latestLoss").asDouble(), 1e-9);
                        assertEquals(get(throughoutServer, "/api/runs/r1/metrics"), get(restartedServer, "/api/runs/r1/metrics"));
                        assertEquals(6, get(restartedServer, "/api/runs/r1/metrics").get("loss").size());
                        assertEquals(0.86, get(restartedServer, "/api/runs/r2").get("summary").get("bestAccuracy").asDouble(), 1e-9);
                        JsonNode sweep = get(restartedServer, "/api/sweeps").get("s");
                        assertEquals(2, sweep.get("RUNNING").asInt());
                        assertEquals(1, sweep.get("SUCCEEDED").asInt());
                    }
                }
            }
        }
    }

    private static JsonNode awaitRuns(CoordinatorServer server, String runId, String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            JsonNode runs = get(server, "/api/runs?sweep=s");
            for (JsonNode run : runs) {
                if (run.get("run").asText().equals(runId) && run.get("state").asText().equals(state)
                        && run.get("latestLoss") != null && !run.get("latestLoss").isNull()) {
                    return runs;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the running coordinator never saw " + runId + " " + state);
    }

    private static PrometheusMeterRegistry registry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    private static JsonNode get(CoordinatorServer server, String path) throws Exception {
        return JSON.readTree(text(server, path));
    }

    private static String text(CoordinatorServer server, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), path + ": " + response.body());
        return response.body();
    }

    private static void publish(KafkaProducer<String, byte[]> producer, String topic, String key, SpecificRecordBase message) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, MessageCodec.get().encode(message))).get(10, TimeUnit.SECONDS);
    }

    private static ExperimentRequest request(String run) {
        return ExperimentRequest.newBuilder().setRunId(run).setSweepId("s").setMethod(AdapterMethodId.lora)
                .setAdapter(AdapterSettings.newBuilder().build()).setTraining(TrainingSettings.newBuilder().build())
                .setSubmittedAt(Instant.now()).build();
    }

    private static RunStatus status(String run, RunState state, long step, RunSummary summary) {
        return RunStatus.newBuilder().setRunId(run).setSweepId("s").setState(state).setAttempt(state == RunState.QUEUED ? 0 : 1)
                .setWorkerId(state == RunState.QUEUED ? null : "w1").setStep(step).setTotalSteps(10).setSummary(summary)
                .setUpdatedAt(Instant.now()).build();
    }

    private static RunSummary summary() {
        return RunSummary.newBuilder().setSteps(10).setFinalAccuracy(0.85).setFinalF1(0.84).setFinalLoss(0.4)
                .setBestAccuracy(0.86).setBestStep(10).setAdapterParameters(100).setHeadParameters(50)
                .setTotalParameters(1000).setWallSeconds(5).setSamplesPerSecond(100).setTrainExamples(64).build();
    }

    private static StepMetric step(String run, long step, double loss) {
        return StepMetric.newBuilder().setRunId(run).setAttempt(1).setStep(step).setTotalSteps(10).setEpoch(0).setLoss(loss)
                .setLearningRate(1e-3).setGradientNorm(1).setSamplesPerSecond(100).setTokensPerSecond(1000)
                .setStepMillis(10).setBatchSize(8).setTimestamp(Instant.now()).build();
    }

    private static EvalMetric eval(String run, long step, double accuracy) {
        return EvalMetric.newBuilder().setRunId(run).setAttempt(1).setStep(step).setEpoch(0).setAccuracy(accuracy)
                .setF1(accuracy).setLoss(0.5).setExamples(64).setBest(true).setTimestamp(Instant.now()).build();
    }

    private static WorkerHeartbeat heartbeat(String worker) {
        return WorkerHeartbeat.newBuilder().setWorkerId(worker).setHost("h").setQueueMode("share").setBusy(true)
                .setRunId("r1").setStep(3L).setStartedAt(Instant.now()).setTimestamp(Instant.now())
                .setIntervalMillis(60_000).build();
    }
}
