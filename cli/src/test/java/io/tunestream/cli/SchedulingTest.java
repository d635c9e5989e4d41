package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.coordinator.kafka.TopicSnapshot;
import io.tunestream.coordinator.service.Coordinator;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.FailureKind;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.worker.queue.QueueMode;
import io.tunestream.worker.service.KafkaFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The coordinator's scheduling end to end: sweeps submitted with the command line, a coordinator and in-process
 * workers on the tiny model against an embedded broker. What is asserted is read back from the status topic.
 */
class SchedulingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String sweep(String name, String base, String grid, String schedule) {
        return "sweep: " + name + "\nbase:\n  model: random:tiny@1\n  dataset: glue-sst2\n  method: lora\n"
                + "  batchSize: 8\n  maxLength: 32\n  epochs: 20\n" + base + "grid:\n" + grid
                + (schedule.isEmpty() ? "" : "schedule:\n" + schedule);
    }

    /**
     * Must-show 1. Two copies of a good learning rate and two of a diverging one, in grid order good, bad, good, bad,
     * through one worker. The copies differ only in how often they checkpoint, which does not change training, so a
     * copy ties with its twin at every rung. ASHA (halving at 10 steps, on dev loss) stops exactly the bad half there.
     */
    @Test
    @Timeout(300)
    void ashaStopsTheWorseHalfOfASweepAtTheFirstRungAndTheResultsMarkThem() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                Coordinator coordinator = Coordinator.start(kafka.clientProperties(), kafka.topics, Coordinator.Settings.defaults())) {
            kafka.startWorker(kafka.workerConfig("w1", QueueMode.SHARE));
            String text = sweep("asha", "  rank: 4\n  maxSteps: 120\n  evalEvery: 10\n",
                    "  checkpointEvery: [10, 5]\n  learningRate: [1.0e-4, 0.5]\n",
                    "  earlyStopping: {rule: asha, metric: loss, minSteps: 10, reductionFactor: 2}\n");
            List<String> runIds = submit(kafka, text, 4);
            Map<String, RunStatus> ended = awaitEnded(kafka, runIds, Duration.ofSeconds(240));

            List<RunState> states = runIds.stream().map(id -> ended.get(id).getState()).toList();
            assertEquals(List.of(RunState.SUCCEEDED, RunState.STOPPED, RunState.SUCCEEDED, RunState.STOPPED), states,
                    "grid order good, bad, good, bad: " + ended);
            for (String stopped : List.of(runIds.get(1), runIds.get(3))) {
                RunStatus status = ended.get(stopped);
                assertTrue(status.getReason().startsWith("asha: loss ") && status.getReason().contains("rung 0's cutoff"),
                        status.getReason());
                assertTrue(status.getStep() < 120, "stopped only after its last step: " + status.getStep());
                assertTrue(status.getSummary() != null && status.getSummary().getBestStep() >= 10, "no summary kept: " + status);
                assertTrue(Files.isDirectory(kafka.store.resolve(stopped).resolve("checkpoints/best")), "best checkpoint gone");
            }

            CliRun results = CliRun.of("results", "asha", "--format", "json", "--bootstrap-servers", kafka.broker.bootstrapServers());
            assertEquals(0, results.exitCode(), results.err());
            int marked = 0;
            for (JsonNode row : JSON.readTree(results.out())) {
                if (row.get("state").asText().equals("STOPPED")) {
                    assertTrue(row.get("note").asText().startsWith("asha:"), row.toString());
                    assertTrue(row.get("best").isNumber(), "a stopped run counts in the results: " + row);
                    marked++;
                }
            }
            assertEquals(2, marked, results.out());
        }
    }

    /** Must-show 2. One worker busy; five normal runs, then one urgent run; the urgent one starts next. */
    @Test
    @Timeout(300)
    void aHighPriorityRunSubmittedAfterFiveNormalOnesStartsNext() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                Coordinator coordinator = Coordinator.start(kafka.clientProperties(), kafka.topics, Coordinator.Settings.defaults())) {
            kafka.startWorker(kafka.workerConfig("w1", QueueMode.SHARE));
            String busy = submit(kafka, sweep("busy", "  rank: 4\n  maxSteps: 200\n", "  seed: [1]\n", ""), 1).get(0);
            kafka.awaitState(busy, RunState.RUNNING, Duration.ofSeconds(60));
            List<String> normal = submit(kafka, sweep("normal", "  rank: 4\n  maxSteps: 10\n", "  seed: [1, 2, 3, 4, 5]\n", ""), 5);
            String urgent = submit(kafka, sweep("urgent", "  rank: 4\n  maxSteps: 10\n", "  seed: [1]\n", ""), 1, "--priority", "10").get(0);
            assertEquals(RunState.RUNNING, kafka.latestStatuses().get(busy).getState(),
                    "the busy run ended before the urgent one was submitted; the test proves nothing");

            List<String> all = new ArrayList<>(normal);
            all.add(busy);
            all.add(urgent);
            awaitEnded(kafka, all, Duration.ofSeconds(240));
            List<String> starts = kafka.status.messages(RunStatus.class).stream()
                    .filter(s -> s.getState() == RunState.STARTING).map(RunStatus::getRunId).toList();
            assertEquals(busy, starts.get(0));
            assertEquals(urgent, starts.get(1), "started after the busy run: " + starts);
            assertEquals(normal, starts.subList(2, 7), "then the normal runs in grid order");
        }
    }

    /**
     * Must-show 4, with the bad-configuration half of must-show 3: three workers, a sweep of five runs limited to two
     * at once, and a run whose rank the model cannot take, which fails as a bad request and is never retried.
     */
    @Test
    @Timeout(300)
    void aSweepWithMaxConcurrencyTwoNeverRunsMoreThanTwoAndABadConfigurationIsNotRetried() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                Coordinator coordinator = Coordinator.start(kafka.clientProperties(), kafka.topics, Coordinator.Settings.defaults())) {
            for (String id : List.of("w1", "w2", "w3")) {
                kafka.startWorker(kafka.workerConfig(id, QueueMode.SHARE));
            }
            List<String> limited = submit(kafka, sweep("pair", "  rank: 4\n  maxSteps: 40\n", "  seed: [1, 2, 3, 4, 5]\n",
                    "  maxConcurrent: 2\n"), 5);
            String bad = submit(kafka, sweep("bad", "  maxSteps: 10\n",
                    "  rank: [64]\n", "  retryBackoffSeconds: 1\n"), 1).get(0);
            List<String> all = new ArrayList<>(limited);
            all.add(bad);
            Map<String, RunStatus> ended = awaitEnded(kafka, all, Duration.ofSeconds(240));
            limited.forEach(id -> assertEquals(RunState.SUCCEEDED, ended.get(id).getState(), id));

            Set<String> running = new HashSet<>();
            int most = 0;
            for (RunStatus status : kafka.status.messages(RunStatus.class)) {
                if (!limited.contains(status.getRunId())) {
                    continue;
                }
                if (status.getState() == RunState.STARTING || status.getState() == RunState.RUNNING) {
                    running.add(status.getRunId());
                } else {
                    running.remove(status.getRunId());
                }
                most = Math.max(most, running.size());
            }
            assertEquals(2, most, "at most two at once, and the limit is used");

            RunStatus refused = ended.get(bad);
            assertEquals(RunState.FAILED, refused.getState());
            assertEquals(FailureKind.BAD_REQUEST, refused.getFailure().getKind());
            Thread.sleep(3000);
            assertEquals(RunState.FAILED, kafka.latestStatuses().get(bad).getState(), "a bad configuration was retried");
            assertEquals(1, requests(kafka).stream().filter(r -> r.getRunId().equals(bad)).count(), "dispatched twice");
        }
    }

    /**
     * Retries and reruns: the shared checkpoint store refuses the run's directory (a file sits in its place), so every
     * attempt fails for the infrastructure. The coordinator retries once after its backoff, then leaves the run
     * FAILED with its two attempts spent; once the store is fixed, {@code rerun --failed} queues it again and it
     * succeeds.
     */
    @Test
    @Timeout(300)
    void anInfrastructureFailureIsRetriedUpToMaxAttemptsAndRerunQueuesItAgain() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                Coordinator coordinator = Coordinator.start(kafka.clientProperties(), kafka.topics, Coordinator.Settings.defaults())) {
            String run = submit(kafka, sweep("flaky", "  rank: 4\n  maxSteps: 10\n", "  seed: [1]\n",
                    "  maxAttempts: 2\n  retryBackoffSeconds: 1\n"), 1).get(0);
            Path blocker = Files.createDirectories(kafka.store).resolve(run);
            Files.writeString(blocker, "not a directory");
            kafka.startWorker(kafka.workerConfig("w1", QueueMode.SHARE));

            kafka.status.await(RunStatus.class, all -> all.stream().anyMatch(s -> s.getRunId().equals(run)
                    && s.getState() == RunState.FAILED && s.getFailedAttempts() == 2), Duration.ofSeconds(60), "two failed attempts");
            List<RunStatus> history = kafka.statusesOf(run);
            assertTrue(history.stream().anyMatch(s -> s.getState() == RunState.QUEUED && s.getReason() != null
                    && s.getReason().startsWith("retry after 1 of 2 attempts failed (backoff 1 s)")), history.toString());
            Thread.sleep(2500);
            RunStatus spent = kafka.latestStatuses().get(run);
            assertEquals(RunState.FAILED, spent.getState(), "retried past maxAttempts");
            assertEquals(FailureKind.INFRASTRUCTURE, spent.getFailure().getKind());
            assertEquals(2, requests(kafka).stream().filter(r -> r.getRunId().equals(run)).count());

            Files.delete(blocker);
            CliRun rerun = CliRun.of("rerun", "flaky", "--failed", "--bootstrap-servers", kafka.broker.bootstrapServers());
            assertEquals(0, rerun.exitCode(), rerun.err());
            assertTrue(rerun.out().startsWith("sweep flaky: 1 failed runs queued again, 0 bad requests left as they are"), rerun.out());
            RunStatus done = kafka.awaitState(run, RunState.SUCCEEDED, Duration.ofSeconds(60));
            assertEquals(3, done.getAttempt());
            assertEquals(0, done.getFailedAttempts(), "a rerun starts a fresh allowance");
        }
    }

    private static List<String> submit(KafkaFixture kafka, String text, int expected, String... options) throws Exception {
        Path file = Files.createTempFile(kafka.root, "sweep", ".yaml");
        Files.writeString(file, text);
        List<String> args = new ArrayList<>(List.of("submit", file.toString(), "--bootstrap-servers", kafka.broker.bootstrapServers()));
        args.addAll(List.of(options));
        CliRun submitted = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, submitted.exitCode(), submitted.err());
        List<String> runIds = submitted.out().lines().filter(l -> l.startsWith("  + ")).map(l -> l.substring(4)).toList();
        assertEquals(expected, runIds.size(), submitted.out());
        return runIds;
    }

    /** Waits until every run has ended, and returns each one's final status. */
    private static Map<String, RunStatus> awaitEnded(KafkaFixture kafka, List<String> runIds, Duration timeout)
            throws InterruptedException {
        Set<RunState> ends = Set.of(RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED, RunState.STOPPED);
        kafka.status.await(RunStatus.class, all -> {
            Map<String, RunStatus> latest = new java.util.HashMap<>();
            all.forEach(s -> latest.put(s.getRunId(), s));
            return runIds.stream().allMatch(id -> latest.containsKey(id) && ends.contains(latest.get(id).getState()));
        }, timeout, "runs ended: " + runIds);
        return kafka.latestStatuses();
    }

    private static List<ExperimentRequest> requests(KafkaFixture kafka) {
        return TopicSnapshot.read(kafka.clientProperties(), List.of(kafka.topics.requests()), Duration.ofSeconds(30))
                .stream().filter(ExperimentRequest.class::isInstance).map(ExperimentRequest.class::cast).toList();
    }
}
