package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.StepMetric;
import io.tunestream.worker.queue.QueueMode;
import io.tunestream.worker.service.KafkaFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Workers as separate processes, started the way operators start them ({@code tunestream worker}), killed with
 * SIGKILL and stopped with SIGTERM, against an embedded broker: no run is lost and none runs twice.
 */
class WorkerProcessTest {

    private static final int STEPS = 300;
    private static final int CHECKPOINT_EVERY = 10;
    /**
     * Share groups: a 6 s record lock instead of 30 s, so that a dead worker's run returns to the queue quickly. Not
     * shorter: two worker processes and the broker share two cores here, and a renewal must make its round trip
     * within two thirds of the lock.
     */
    private static final Map<String, String> SHORT_LOCK = Map.of(
            "group.share.record.lock.duration.ms", "6000", "group.share.min.record.lock.duration.ms", "1000");

    private final List<Process> processes = new ArrayList<>();

    @ParameterizedTest
    @EnumSource(QueueMode.class)
    @Timeout(300)
    void aKilledWorkersRunIsResumedByAnotherFromItsLastCheckpoint(QueueMode mode) throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(SHORT_LOCK, 1)) {
            try {
                Process first = startWorker(kafka, "first", mode);
                kafka.submit(request("crash"));
                kafka.metrics.await(StepMetric.class, m -> m.size() >= 25, Duration.ofSeconds(120), "25 steps");
                first.destroyForcibly();
                assertTrue(first.waitFor(30, TimeUnit.SECONDS));
                long checkpointed = checkpointStep(kafka.store.resolve("crash"));
                long lastStepOfFirst = lastStep(kafka, 1);
                assertTrue(checkpointed % CHECKPOINT_EVERY == 0, "checkpoint at step " + checkpointed + ": "
                        + Files.readString(kafka.store.resolve("crash/config.json")));

                startWorker(kafka, "second", mode);
                RunStatus done = kafka.awaitState("crash", RunState.SUCCEEDED, Duration.ofSeconds(180));
                assertEquals(2, done.getAttempt());
                assertEquals("second", done.getWorkerId());
                List<Long> resumedSteps = stepsOf(kafka, 2);
                assertEquals(checkpointed + 1, resumedSteps.get(0), "resumed at the step after the last checkpoint");
                assertEquals(LongStream.rangeClosed(checkpointed + 1, STEPS).boxed().toList(), resumedSteps);
                Thread.sleep(1500);
                List<RunStatus> statuses = kafka.statusesOf("crash");
                assertEquals(1, statuses.stream().filter(s -> s.getState() == RunState.SUCCEEDED).count(), "SUCCEEDED twice");
                assertEquals(1, statuses.stream().filter(s -> s.getSummary() != null).count(), "two final summaries");
            } finally {
                stopAll(kafka);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(QueueMode.class)
    @Timeout(300)
    void sigtermHandsTheRunBackWithinThirtySecondsAndANewWorkerCompletesIt(QueueMode mode) throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(SHORT_LOCK, 1)) {
            try {
                Process first = startWorker(kafka, "first", mode);
                kafka.submit(request("term"));
                kafka.metrics.await(StepMetric.class, m -> m.size() >= 25, Duration.ofSeconds(120), "25 steps");
                long signalled = System.nanoTime();
                first.destroy();
                assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the worker did not exit within 30 s of SIGTERM");
                double seconds = (System.nanoTime() - signalled) / 1e9;
                RunStatus handedBack = kafka.awaitState("term", RunState.QUEUED, Duration.ofSeconds(10));
                long lastStepOfFirst = lastStep(kafka, 1);
                assertEquals(lastStepOfFirst, handedBack.getStep());
                assertEquals(lastStepOfFirst, checkpointStep(kafka.store.resolve("term")), "not checkpointed at the stop");

                startWorker(kafka, "second", mode);
                RunStatus done = kafka.awaitState("term", RunState.SUCCEEDED, Duration.ofSeconds(180));
                assertEquals("second", done.getWorkerId());
                assertEquals(LongStream.rangeClosed(lastStepOfFirst + 1, STEPS).boxed().toList(), stepsOf(kafka, 2),
                        "the new worker did not continue at the step after the hand-back");
                System.out.printf("SIGTERM to exit: %.1f s%n", seconds);
            } finally {
                stopAll(kafka);
            }
        }
    }

    /**
     * Must-show 3 of the scheduling issue: a run whose worker dies twice is retried (Kafka redelivers it once the dead
     * worker's lock lapses; the next worker counts the lost attempt) and succeeds on its third attempt, within its
     * three allowed.
     */
    @Test
    @Timeout(300)
    void aRunWhoseWorkerDiesTwiceIsRetriedAndSucceeds() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(SHORT_LOCK, 1)) {
            try {
                kafka.submit(request("twice"));
                for (int attempt = 1; attempt <= 2; attempt++) {
                    Process doomed = startWorker(kafka, "doomed-" + attempt, QueueMode.SHARE);
                    int started = attempt;
                    kafka.metrics.await(StepMetric.class, m -> m.stream().filter(s -> s.getAttempt() == started).count() >= 15,
                            Duration.ofSeconds(120), "15 steps of attempt " + attempt);
                    doomed.destroyForcibly();
                    assertTrue(doomed.waitFor(30, TimeUnit.SECONDS));
                }
                startWorker(kafka, "survivor", QueueMode.SHARE);
                RunStatus done = kafka.awaitState("twice", RunState.SUCCEEDED, Duration.ofSeconds(180));
                assertEquals(3, done.getAttempt());
                assertEquals(2, done.getFailedAttempts(), "the two lost attempts are counted");
                assertEquals("survivor", done.getWorkerId());
                assertEquals(STEPS, done.getSummary().getSteps());
            } finally {
                stopAll(kafka);
            }
        }
    }

    private static ExperimentRequest request(String runId) {
        ExperimentRequest request = KafkaFixture.request(runId, AdapterMethodId.lora, STEPS);
        request.getTraining().setCheckpointEvery(CHECKPOINT_EVERY);
        return request;
    }

    private static long checkpointStep(Path runDirectory) throws IOException {
        Path state = runDirectory.resolve("checkpoints/latest/state.json");
        assertTrue(Files.isRegularFile(state), "no checkpoint at " + state);
        return new ObjectMapper().readTree(state.toFile()).get("step").asLong();
    }

    private static List<Long> stepsOf(KafkaFixture kafka, int attempt) {
        return kafka.metrics.messages(StepMetric.class).stream().filter(m -> m.getAttempt() == attempt)
                .map(StepMetric::getStep).toList();
    }

    private static long lastStep(KafkaFixture kafka, int attempt) {
        List<Long> steps = stepsOf(kafka, attempt);
        assertNotNull(steps);
        return steps.get(steps.size() - 1);
    }

    private Process startWorker(KafkaFixture kafka, String workerId, QueueMode mode) throws IOException {
        Path clientProperties = kafka.root.resolve(workerId + ".properties");
        // classic groups: a killed member is noticed after the broker's minimum session timeout, not 45 s
        Files.writeString(clientProperties, "session.timeout.ms=6000\nheartbeat.interval.ms=1000\n");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = List.of(java.toString(), "-Dai.djl.offline=true", "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), Tunestream.class.getName(), "worker",
                "--bootstrap-servers", kafka.broker.bootstrapServers(), "--queue-mode", mode.id(),
                "--group", "test-workers", "--worker-id", workerId, "--checkpoint-dir", kafka.store.toString(),
                "--data-dir", kafka.dataDir.toString(), "--client-properties", clientProperties.toString(),
                "--partitions", "1");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(kafka.root.resolve(workerId + ".log").toFile());
        builder.environment().put("OPT_OUT_TRACKING", "true");
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    /** Stops every worker and prints the end of each one's log, for a failing test's report. */
    private void stopAll(KafkaFixture kafka) throws InterruptedException, IOException {
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        try (var logs = Files.list(kafka.root)) {
            for (Path log : logs.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                List<String> lines = Files.readAllLines(log);
                System.out.println("--- " + log.getFileName() + " (last 40 lines)");
                lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.out::println);
            }
        }
    }
}
