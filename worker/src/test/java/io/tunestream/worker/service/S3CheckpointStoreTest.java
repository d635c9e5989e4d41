package io.tunestream.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.ControlAction;
import io.tunestream.schemas.ControlCommand;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.MessageCodec;
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

/** Workers keeping their checkpoints in an S3-compatible server: through an outage, and through a run's ends. */
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

    /**
     * Cancel, an early-stop order and a hand-back, together on one bucket, end as they do with a directory store: the
     * cancelled run ends CANCELLED; the stopped one STOPPED, with its summary and best checkpoint committed; the
     * handed-back one is resumed by a worker with a working directory of its own at the step after its hand-back
     * checkpoint, and finishes with every step once in the bucket's metrics.
     */
    @Test
    @Timeout(300)
    void cancelStopAndHandBackBehaveAsWithADirectoryStore() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                S3TestServer s3 = new S3TestServer()) {
            KafkaFixture.RunningWorker first = kafka.startWorker(
                    kafka.workerConfig("first", QueueMode.SHARE, s3.location("lifecycle/", kafka.root.resolve("work-first"))));
            kafka.submit(KafkaFixture.request("cancelled", AdapterMethodId.lora, 5_000));
            kafka.metrics.await(StepMetric.class, m -> m.stream().anyMatch(s -> s.getRunId().equals("cancelled") && s.getStep() >= 10),
                    Duration.ofSeconds(60), "10 steps of the run to cancel");
            kafka.cancel("cancelled");
            kafka.awaitState("cancelled", RunState.CANCELLED, Duration.ofSeconds(30));

            ExperimentRequest early = KafkaFixture.request("stopped", AdapterMethodId.lora, 5_000);
            early.getTraining().setEvalEvery(10);
            kafka.submit(early);
            kafka.metrics.await(StepMetric.class, m -> m.stream().anyMatch(s -> s.getRunId().equals("stopped") && s.getStep() >= 25),
                    Duration.ofSeconds(60), "25 steps of the run to stop");
            kafka.sendTo(kafka.topics.control(), "stopped", MessageCodec.get().encode(ControlCommand.newBuilder().setRunId("stopped")
                    .setAction(ControlAction.STOP).setReason("test: early stop").setIssuedAt(Instant.now()).build()));
            RunStatus stopped = kafka.awaitState("stopped", RunState.STOPPED, Duration.ofSeconds(30));

            int steps = 300;
            kafka.submit(KafkaFixture.request("handed-back", AdapterMethodId.lora, steps));
            kafka.metrics.await(StepMetric.class, m -> m.stream().anyMatch(s -> s.getRunId().equals("handed-back") && s.getStep() >= 40),
                    Duration.ofSeconds(60), "40 steps of the run to hand back");
            first.stop();
            RunStatus handedBack = kafka.awaitState("handed-back", RunState.QUEUED, Duration.ofSeconds(10));
            kafka.submit(KafkaFixture.request("handed-back", AdapterMethodId.lora, steps));
            kafka.startWorker(kafka.workerConfig("second", QueueMode.SHARE, s3.location("lifecycle/", kafka.root.resolve("work-second"))));
            kafka.awaitState("handed-back", RunState.SUCCEEDED, Duration.ofSeconds(120));
            List<Long> resumed = kafka.metrics.messages(StepMetric.class).stream()
                    .filter(m -> m.getRunId().equals("handed-back") && m.getAttempt() == 2).map(StepMetric::getStep).toList();
            assertEquals(LongStream.rangeClosed(handedBack.getStep() + 1, steps).boxed().toList(), resumed,
                    "resumed at the step after the hand-back, on another working directory");

            try (CheckpointStore store = CheckpointStore.open(s3.location("lifecycle/", kafka.root.resolve("reader")))) {
                RunStore stoppedRun = store.run("stopped");
                stoppedRun.restore(Duration.ofSeconds(20));
                JsonNode summary = JSON.readTree(stoppedRun.workingDirectory().resolve("summary.json").toFile());
                assertEquals("stopped", summary.get("outcome").asText());
                assertEquals(stopped.getSummary().getSteps(), summary.get("steps").asLong());
                assertTrue(Files.isRegularFile(stoppedRun.workingDirectory().resolve("checkpoints/best/adapter.safetensors")));
                RunStore resumedRun = store.run("handed-back");
                resumedRun.restore(Duration.ofSeconds(20));
                List<Long> logged = new ArrayList<>();
                for (String line : Files.readAllLines(resumedRun.workingDirectory().resolve("metrics.jsonl"))) {
                    JsonNode node = JSON.readTree(line);
                    if (node.get("type").asText().equals("step")) {
                        logged.add(node.get("step").asLong());
                    }
                }
                assertEquals(LongStream.rangeClosed(1, steps).boxed().toList(), logged, "the bucket's metrics.jsonl");
            }
        }
    }

    private static boolean notCommitted(RunLog line) {
        return line.getLevel().equals("WARN") && line.getMessage().contains("is not committed");
    }
}
