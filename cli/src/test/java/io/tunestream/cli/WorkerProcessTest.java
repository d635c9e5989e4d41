package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.coordinator.service.Coordinator;
import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.ExportFormat;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.StepMetric;
import io.tunestream.worker.queue.QueueMode;
import io.tunestream.worker.service.KafkaFixture;
import io.tunestream.worker.store.CheckpointStore;
import io.tunestream.worker.store.RunStore;
import io.tunestream.worker.store.S3TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Workers as separate processes, started the way operators start them ({@code tunestream worker}), killed with
 * SIGKILL and stopped with SIGTERM, against an embedded broker and a coordinator that owns every run: no run is lost,
 * none runs twice, and a resumed run continues at the step after its last checkpoint.
 */
class WorkerProcessTest {

    private static final int STEPS = 300;
    private static final int CHECKPOINT_EVERY = 10;
    /** Worker processes heartbeat every 5 s; a killed one's run is dispatched again 12 s after it was last heard of. */
    private static final Duration WORKER_TIMEOUT = Duration.ofSeconds(12);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final List<Process> processes = new ArrayList<>();

    @ParameterizedTest
    @EnumSource(QueueMode.class)
    @Timeout(300)
    void aKilledWorkersRunIsResumedByAnotherFromItsLastCheckpoint(QueueMode mode) throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                Coordinator coordinator = Coordination.start(kafka, START_TIMEOUT, WORKER_TIMEOUT)) {
            try {
                Process first = startWorker(kafka, "first", mode);
                Coordination.submit(kafka, request("crash"));
                kafka.metrics.await(StepMetric.class, m -> m.size() >= 25, Duration.ofSeconds(120), "25 steps");
                first.destroyForcibly();
                assertTrue(first.waitFor(30, TimeUnit.SECONDS));
                long checkpointed = checkpointStep(kafka.store.resolve("crash"));
                assertTrue(checkpointed % CHECKPOINT_EVERY == 0, "checkpoint at step " + checkpointed + ": "
                        + Files.readString(kafka.store.resolve("crash/config.json")));

                startWorker(kafka, "second", mode);
                RunStatus done = kafka.awaitState("crash", RunState.SUCCEEDED, Duration.ofSeconds(180));
                assertEquals(2, done.getAttempt());
                assertEquals(1, done.getFailedAttempts(), "the lost attempt is counted");
                assertEquals("second", done.getWorkerId());
                List<Long> resumedSteps = stepsOf(kafka, 2);
                assertEquals(checkpointed + 1, resumedSteps.get(0), "resumed at the step after the last checkpoint");
                assertEquals(LongStream.rangeClosed(checkpointed + 1, STEPS).boxed().toList(), resumedSteps);
                Thread.sleep(1500);
                List<RunStatus> statuses = kafka.statusesOf("crash");
                assertEquals(1, statuses.stream().filter(s -> s.getState() == RunState.SUCCEEDED).count(), "SUCCEEDED twice");
                assertEquals(1, statuses.stream().filter(s -> s.getSummary() != null).count(), "two final summaries");
                assertMetricsFileHoldsEveryStepOnce(kafka.store.resolve("crash"), STEPS);
            } finally {
                stopAll(kafka);
            }
        }
    }

    /**
     * The same with the checkpoints in an S3-compatible server (S3Proxy on loopback) and each worker in a working
     * directory of its own, as on machines that share no file system: the second worker resumes from the checkpoint
     * the first committed to the bucket, and its losses equal those of the same request trained without a kill
     * (1e-5); the bucket's metrics.jsonl holds every step once.
     */
    @Test
    @Timeout(300)
    void aKilledWorkersRunIsResumedByAnotherFromTheS3StoreWithTheUninterruptedLosses() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                S3TestServer s3 = new S3TestServer();
                Coordinator coordinator = Coordination.start(kafka, START_TIMEOUT, WORKER_TIMEOUT)) {
            try {
                Process first = startWorker(kafka, "first", QueueMode.SHARE, s3Arguments(s3, kafka.root.resolve("work-first")),
                        S3TestServer.environment());
                ExperimentRequest crash = request("crash");
                crash.setExports(List.of(ExportFormat.peft));
                Coordination.submit(kafka, crash);
                kafka.metrics.await(StepMetric.class, m -> m.size() >= 25, Duration.ofSeconds(120), "25 steps");
                first.destroyForcibly();
                assertTrue(first.waitFor(30, TimeUnit.SECONDS));
                long checkpointed = new ObjectMapper().readTree(s3.blobs().getBlob(S3TestServer.BUCKET,
                        "kill/runs/crash/checkpoints.json").getPayload().openStream()).get("step").asLong();
                assertTrue(checkpointed > 0 && checkpointed % CHECKPOINT_EVERY == 0, "committed checkpoint at step " + checkpointed);

                List<String> second = new java.util.ArrayList<>(s3Arguments(s3, kafka.root.resolve("work-second")));
                second.addAll(List.of("--metrics-port", "0"));
                startWorker(kafka, "second", QueueMode.SHARE, second, S3TestServer.environment());
                RunStatus done = kafka.awaitState("crash", RunState.SUCCEEDED, Duration.ofSeconds(180));
                assertEquals(2, done.getAttempt());
                assertEquals("second", done.getWorkerId());
                String location = "s3://" + S3TestServer.BUCKET + "/kill/runs/crash/";
                assertEquals(Map.of("run", location, "peft", location + "export/peft/"), done.getArtifacts());
                assertTrue(s3.blobs().blobExists(S3TestServer.BUCKET, "kill/runs/crash/export/peft/adapter_model.safetensors"));
                CliRun published = CliRun.of("export", "--run", "crash", "--checkpoint-store", "s3://" + S3TestServer.BUCKET + "/kill",
                        "--s3-endpoint", s3.endpoint().toString(), "--format", "hf", "--publish");
                assertEquals(0, published.exitCode(), published.err());
                assertTrue(published.out().contains("to " + location + "export/hf/"), published.out());
                assertTrue(s3.blobs().blobExists(S3TestServer.BUCKET, "kill/runs/crash/export/hf/model.safetensors"));
                List<StepMetric> resumed = kafka.metrics.messages(StepMetric.class).stream()
                        .filter(m -> m.getRunId().equals("crash") && m.getAttempt() == 2).toList();
                assertEquals(LongStream.rangeClosed(checkpointed + 1, STEPS).boxed().toList(),
                        resumed.stream().map(StepMetric::getStep).toList(), "resumed at the step after the committed checkpoint");

                ExperimentRequest reference = request("whole");
                reference.setSweepId("reference");
                Coordination.submit(kafka, reference);
                kafka.awaitState("whole", RunState.SUCCEEDED, Duration.ofSeconds(180));
                Map<Long, Double> uninterrupted = new java.util.HashMap<>();
                kafka.metrics.await(StepMetric.class, m -> m.stream().filter(s -> s.getRunId().equals("whole")).count() >= STEPS,
                        Duration.ofSeconds(30), "the uninterrupted run's steps").stream()
                        .filter(m -> m.getRunId().equals("whole")).forEach(m -> uninterrupted.put(m.getStep(), m.getLoss()));
                for (StepMetric step : resumed) {
                    assertEquals(uninterrupted.get(step.getStep()), step.getLoss(), 1e-5, "loss at step " + step.getStep());
                }
                try (CheckpointStore store = CheckpointStore.open(s3.location("kill/", kafka.root.resolve("reader")))) {
                    RunStore run = store.run("crash");
                    run.restore(Duration.ofSeconds(20));
                    assertMetricsFileHoldsEveryStepOnce(run.workingDirectory(), STEPS);
                }
                // the credentials reach the SDK through the environment and go nowhere else
                for (String worker : List.of("first", "second")) {
                    String log = Files.readString(kafka.root.resolve(worker + ".log"));
                    assertTrue(log.contains("s3://" + S3TestServer.BUCKET + "/kill"), worker + "'s log does not name its store");
                    assertFalse(log.contains(S3TestServer.SECRET_KEY), worker + "'s log shows the secret key");
                }
                assertTrue(kafka.statusesOf("crash").stream().noneMatch(status -> status.toString().contains(S3TestServer.SECRET_KEY)));
                java.util.regex.Matcher served = java.util.regex.Pattern.compile("metrics at (http://\\S+/metrics)")
                        .matcher(Files.readString(kafka.root.resolve("second.log")));
                assertTrue(served.find(), "the second worker serves no metrics");
                String scraped = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(served.group(1))).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(scraped.contains("tunestream_worker_steps_total"), scraped);
                assertFalse(scraped.contains(S3TestServer.SECRET_KEY), "the metrics show the secret key");
            } finally {
                stopAll(kafka);
            }
        }
    }

    private static List<String> s3Arguments(S3TestServer s3, Path workDirectory) {
        return List.of("--checkpoint-store", "s3://" + S3TestServer.BUCKET + "/kill", "--s3-endpoint", s3.endpoint().toString(),
                "--work-dir", workDirectory.toString());
    }

    @ParameterizedTest
    @EnumSource(QueueMode.class)
    @Timeout(300)
    void sigtermHandsTheRunBackWithinThirtySecondsAndANewWorkerCompletesIt(QueueMode mode) throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                Coordinator coordinator = Coordination.start(kafka, START_TIMEOUT, WORKER_TIMEOUT)) {
            try {
                Process first = startWorker(kafka, "first", mode);
                Coordination.submit(kafka, request("term"));
                kafka.metrics.await(StepMetric.class, m -> m.size() >= 25, Duration.ofSeconds(120), "25 steps");
                long signalled = System.nanoTime();
                first.destroy();
                assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the worker did not exit within 30 s of SIGTERM");
                assertEquals(0, first.exitValue(), "exit status after SIGTERM");
                double seconds = (System.nanoTime() - signalled) / 1e9;
                RunStatus handedBack = kafka.awaitState("term", RunState.QUEUED, Duration.ofSeconds(10));
                long lastStepOfFirst = lastStep(kafka, 1);
                assertEquals(lastStepOfFirst, handedBack.getStep());
                assertEquals(lastStepOfFirst, checkpointStep(kafka.store.resolve("term")), "not checkpointed at the stop");

                startWorker(kafka, "second", mode);
                RunStatus done = kafka.awaitState("term", RunState.SUCCEEDED, Duration.ofSeconds(180));
                assertEquals("second", done.getWorkerId());
                assertEquals(0, done.getFailedAttempts(), "a hand-back is not a lost attempt");
                assertEquals(LongStream.rangeClosed(lastStepOfFirst + 1, STEPS).boxed().toList(), stepsOf(kafka, 2),
                        "the new worker did not continue at the step after the hand-back");
                System.out.printf("SIGTERM to exit: %.1f s%n", seconds);
            } finally {
                stopAll(kafka);
            }
        }
    }

    /**
     * A run whose worker dies twice is dispatched again each time by the coordinator (which stops hearing of the
     * attempt) and succeeds on its third attempt, within its three allowed.
     */
    @Test
    @Timeout(300)
    void aRunWhoseWorkerDiesTwiceIsRetriedAndSucceeds() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                Coordinator coordinator = Coordination.start(kafka, START_TIMEOUT, WORKER_TIMEOUT)) {
            try {
                Coordination.submit(kafka, request("twice"));
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

    /**
     * SIGTERM at random moments: while the worker prepares the run, and at random points of its training (which
     * checkpoints every 5 steps and evaluates every 25). Each time the worker exits 0 within the 30 s grace, with no
     * native crash, after publishing QUEUED; the coordinator dispatches the run again and the next worker continues
     * at the step after the last one taken.
     */
    @Test
    @Timeout(420)
    void sigtermAtRandomMomentsHandsBackWithinTheGraceAndTheRunResumesExactly() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        System.out.println("SIGTERM moments seed: " + seed);
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                Coordinator coordinator = Coordination.start(kafka, START_TIMEOUT, WORKER_TIMEOUT)) {
            try {
                ExperimentRequest request = request("moments");
                request.getTraining().setCheckpointEvery(5);
                request.getTraining().setEvalEvery(25);
                Coordination.submit(kafka, request);
                int signals = 4;
                for (int attempt = 1; attempt <= signals; attempt++) {
                    int current = attempt;
                    Process worker = startWorker(kafka, "term-" + attempt, QueueMode.SHARE);
                    String moment;
                    if (attempt == 1) {
                        // preparing: its claim is published, no step taken yet
                        kafka.status.await(RunStatus.class, all -> all.stream().anyMatch(s -> s.getRunId().equals("moments")
                                && s.getState() == RunState.STARTING && s.getAttempt() == current), Duration.ofSeconds(120), "attempt 1 claimed");
                        moment = "preparation";
                    } else {
                        kafka.metrics.await(StepMetric.class, m -> m.stream().anyMatch(s -> s.getAttempt() == current),
                                Duration.ofSeconds(120), "a step of attempt " + attempt);
                        long delay = random.nextInt(1500);
                        Thread.sleep(delay);
                        moment = delay + " ms into training";
                    }
                    long signalled = System.nanoTime();
                    worker.destroy();
                    assertTrue(worker.waitFor(30, TimeUnit.SECONDS), "attempt " + attempt + " (" + moment + "): no exit within 30 s");
                    double seconds = (System.nanoTime() - signalled) / 1e9;
                    assertEquals(0, worker.exitValue(), "attempt " + attempt + " (" + moment + "): exit status");
                    String log = Files.readString(kafka.root.resolve("term-" + attempt + ".log"));
                    assertFalse(log.contains("SIGSEGV") || log.contains("hs_err"), "a native crash at " + moment);
                    kafka.status.await(RunStatus.class, all -> all.stream().anyMatch(s -> s.getRunId().equals("moments")
                            && s.getState() == RunState.QUEUED && s.getAttempt() == current), Duration.ofSeconds(10),
                            "attempt " + attempt + " handed back");
                    System.out.printf("SIGTERM at %s: exited 0 after %.1f s%n", moment, seconds);
                }
                startWorker(kafka, "finisher", QueueMode.SHARE);
                RunStatus done = kafka.awaitState("moments", RunState.SUCCEEDED, Duration.ofSeconds(180));
                List<String> logged = Files.readAllLines(kafka.root.resolve("finisher.log")).stream()
                        .filter(l -> l.contains("io.tunestream.")).toList();
                assertFalse(logged.isEmpty(), "the worker logged nothing of its own");
                // it resumed from a checkpoint: restoring it once printed libtorch's AutoNonVariableTypeMode warning
                String all = Files.readString(kafka.root.resolve("finisher.log"));
                assertFalse(all.contains("AutoNonVariableTypeMode") || all.contains("] Warning:"), "libtorch warned:\n" + all);
                logged.forEach(l -> assertTrue(l.matches("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) .*"),
                        "a worker log line without its time: " + l));
                assertEquals(signals + 1, done.getAttempt());
                assertEquals(0, done.getFailedAttempts(), "a hand-back is not a lost attempt");
                long previousLast = 0;
                for (int attempt = 1; attempt <= signals + 1; attempt++) {
                    List<Long> steps = stepsOf(kafka, attempt);
                    if (steps.isEmpty()) {
                        continue;
                    }
                    assertEquals(LongStream.rangeClosed(previousLast + 1, steps.get(steps.size() - 1)).boxed().toList(), steps,
                            "attempt " + attempt + " did not continue at the step after the hand-back");
                    previousLast = steps.get(steps.size() - 1);
                }
                assertEquals(STEPS, previousLast);
                assertMetricsFileHoldsEveryStepOnce(kafka.store.resolve("moments"), STEPS);
            } finally {
                stopAll(kafka);
            }
        }
    }

    /**
     * Faults together: a sweep of four runs on two workers; one worker is killed mid-step, the broker is killed and
     * restarted, the other worker is killed right after a checkpoint, and two fresh workers finish. Every run
     * succeeds exactly once, and each run's metrics file holds every step once.
     */
    @Test
    @Timeout(420)
    void killsAndABrokerRestartDuringASweepLoseAndDuplicateNoRun() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                Coordinator coordinator = Coordination.start(kafka, START_TIMEOUT, WORKER_TIMEOUT)) {
            try {
                List<String> ids = List.of("combo-0", "combo-1", "combo-2", "combo-3");
                Coordination.submit(kafka, ids.stream().map(WorkerProcessTest::request).toArray(ExperimentRequest[]::new));
                Process a = startWorker(kafka, "a", QueueMode.SHARE);
                Process b = startWorker(kafka, "b", QueueMode.SHARE);
                kafka.metrics.await(StepMetric.class, m -> m.stream().map(StepMetric::getRunId).distinct().count() >= 2
                        && m.size() >= 40, Duration.ofSeconds(120), "two runs training");
                a.destroyForcibly();
                assertTrue(a.waitFor(30, TimeUnit.SECONDS));

                kafka.broker.stop();
                Thread.sleep(5000);
                kafka.broker.restart();
                Process c = startWorker(kafka, "c", QueueMode.SHARE);

                String bRun = kafka.latestStatuses().values().stream().filter(s -> "b".equals(s.getWorkerId())
                        && s.getState() == RunState.RUNNING).map(RunStatus::getRunId).findFirst().orElse(null);
                if (bRun != null) {
                    Path state = kafka.store.resolve(bRun).resolve("checkpoints/latest/state.json");
                    long before = Files.exists(state) ? Files.getLastModifiedTime(state).toMillis() : 0;
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (System.nanoTime() < deadline && (!Files.exists(state) || Files.getLastModifiedTime(state).toMillis() == before)) {
                        Thread.sleep(5);
                    }
                }
                b.destroyForcibly();
                assertTrue(b.waitFor(30, TimeUnit.SECONDS));
                startWorker(kafka, "d", QueueMode.SHARE);

                for (String id : ids) {
                    kafka.awaitState(id, RunState.SUCCEEDED, Duration.ofSeconds(300));
                }
                Thread.sleep(2000);
                for (String id : ids) {
                    List<RunStatus> statuses = kafka.statusesOf(id);
                    assertEquals(1, statuses.stream().filter(s -> s.getState() == RunState.SUCCEEDED).count(), id + ": " + statuses);
                    assertEquals(STEPS, statuses.get(statuses.size() - 1).getSummary().getSteps(), id);
                    assertMetricsFileHoldsEveryStepOnce(kafka.store.resolve(id), STEPS);
                }
                assertTrue(c.isAlive(), "worker c died");
            } finally {
                stopAll(kafka);
            }
        }
    }

    /** A run's metrics.jsonl holds only its live attempts' records: every step once, in order. */
    private static void assertMetricsFileHoldsEveryStepOnce(Path runDirectory, int steps) throws IOException {
        List<Long> logged = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(runDirectory.resolve("metrics.jsonl"))) {
            var node = json.readTree(line);
            if (node.path("type").asText().equals("step")) {
                logged.add(node.get("step").asLong());
            }
        }
        assertEquals(LongStream.rangeClosed(1, steps).boxed().toList(), logged, runDirectory + "/metrics.jsonl");
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
        return startWorker(kafka, workerId, mode, List.of("--checkpoint-dir", kafka.store.toString()), Map.of());
    }

    private Process startWorker(KafkaFixture kafka, String workerId, QueueMode mode, List<String> storeArguments,
            Map<String, String> environment) throws IOException {
        Path clientProperties = kafka.root.resolve(workerId + ".properties");
        // classic groups: a killed member is noticed after the broker's minimum session timeout, not 45 s
        Files.writeString(clientProperties, "session.timeout.ms=6000\nheartbeat.interval.ms=1000\n");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Dai.djl.offline=true", "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), Tunestream.class.getName(), "worker",
                "--bootstrap-servers", kafka.broker.bootstrapServers(), "--queue-mode", mode.id(),
                "--group", "test-workers", "--worker-id", workerId,
                "--data-dir", kafka.dataDir.toString(), "--client-properties", clientProperties.toString(),
                "--partitions", "1"));
        command.addAll(storeArguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(kafka.root.resolve(workerId + ".log").toFile());
        builder.environment().put("OPT_OUT_TRACKING", "true");
        builder.environment().putAll(environment);
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
