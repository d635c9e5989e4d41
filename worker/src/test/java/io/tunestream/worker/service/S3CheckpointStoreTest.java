package io.tunestream.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.RunLog;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.StepMetric;
import io.tunestream.worker.queue.QueueMode;
import io.tunestream.worker.store.CheckpointStore;
import io.tunestream.worker.store.RunStore;
import io.tunestream.worker.store.S3TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A worker keeping its checkpoints in an S3-compatible server that goes away for 20 s in the middle of a run. */
class S3CheckpointStoreTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The server is stopped for 20 s mid-run: the checkpoints due meanwhile are not committed (the run's log says
     * so), training goes on, and the run finishes with its last checkpoint, best checkpoint, metrics and summary in
     * the store, whole: the committed state is the last step's, and metrics.jsonl holds every step once, in order.
     */
    @Test
    @Timeout(300)
    void aTwentySecondStoreOutageMidRunLosesAndMixesNoCheckpoint() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                S3TestServer s3 = new S3TestServer();
                TopicLog logs = new TopicLog(kafka.broker.bootstrapServers(), kafka.topics.logs())) {
            kafka.startWorker(kafka.workerConfig("w1", QueueMode.SHARE, s3.location("outage/", kafka.root.resolve("work"))));
            int steps = 3_000;
            ExperimentRequest request = KafkaFixture.request("outage", AdapterMethodId.lora, steps);
            request.getTraining().setCheckpointEvery(50);
            request.getTraining().setEvalEvery(1_000);
            kafka.submit(request);
            kafka.metrics.await(StepMetric.class, m -> m.size() >= 100, Duration.ofSeconds(60), "100 steps");
            Instant stopped = Instant.now();
            s3.stop();
            try {
                Thread.sleep(20_000);
            } finally {
                s3.start();
            }
            RunStatus done = kafka.awaitState("outage", RunState.SUCCEEDED, Duration.ofSeconds(240));
            assertEquals(1, done.getAttempt(), "the run was not restarted");
            List<StepMetric> metrics = kafka.metrics.await(StepMetric.class, m -> m.size() >= steps, Duration.ofSeconds(30), steps + " steps");
            assertTrue(metrics.get(metrics.size() - 1).getTimestamp().isAfter(stopped.plusSeconds(20)), "the run did not outlast the outage");
            List<RunLog> warnings = logs.await(RunLog.class, l -> l.stream().anyMatch(S3CheckpointStoreTest::notCommitted),
                    Duration.ofSeconds(30), "a line saying a checkpoint was not committed");
            System.out.printf("checkpoints not committed during the outage: %d%n", warnings.stream().filter(S3CheckpointStoreTest::notCommitted).count());

            try (CheckpointStore store = CheckpointStore.open(s3.location("outage/", kafka.root.resolve("reader")))) {
                RunStore run = store.run("outage");
                run.restore(Duration.ofSeconds(20));
                Path work = run.workingDirectory();
                assertEquals(steps, JSON.readTree(work.resolve("checkpoints/latest/state.json").toFile()).get("step").asLong(),
                        "the committed checkpoint is the last step's");
                assertTrue(Files.size(work.resolve("checkpoints/latest/optimizer.safetensors")) > 0);
                assertTrue(Files.isRegularFile(work.resolve("checkpoints/best/adapter.safetensors")));
                assertEquals("completed", JSON.readTree(work.resolve("summary.json").toFile()).get("outcome").asText());
                List<Long> logged = new ArrayList<>();
                for (String line : Files.readAllLines(work.resolve("metrics.jsonl"))) {
                    JsonNode node = JSON.readTree(line);
                    if (node.get("type").asText().equals("step")) {
                        logged.add(node.get("step").asLong());
                    }
                }
                assertEquals(LongStream.rangeClosed(1, steps).boxed().toList(), logged, "the store's metrics.jsonl");
            }
        }
    }

    private static boolean notCommitted(RunLog line) {
        return line.getLevel().equals("WARN") && line.getMessage().contains("is not committed");
    }
}
