package io.tunestream.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.StepMetric;
import io.tunestream.worker.host.ComputeDevice;
import io.tunestream.worker.metrics.MetricsServer;
import io.tunestream.worker.queue.QueueMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The worker against a real embedded broker, in both queue modes, with the tiny model on a sample of SST-2. */
class WorkerTest {

    @ParameterizedTest
    @EnumSource(QueueMode.class)
    @Timeout(180)
    void aRunTrainsOnceStreamsEveryStepAndIsCountedInPrometheusMetrics(QueueMode mode) throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1)) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            try (MetricsServer server = MetricsServer.start(registry, "127.0.0.1", 0)) {
                Worker w1 = new Worker(kafka.workerConfig("w1", mode), registry);
                server.serveHealth(w1::startup, w1::liveness, w1::readiness);
                kafka.startWorker(w1);
                ExperimentRequest request = KafkaFixture.request("run-a", AdapterMethodId.lora, 20);
                kafka.submit(request);
                RunStatus done = kafka.awaitState("run-a", RunState.SUCCEEDED, Duration.ofSeconds(120));
                assertNotNull(done.getSummary());
                assertEquals(20, done.getSummary().getSteps());
                assertEquals(1, done.getAttempt());
                assertEquals("w1", done.getWorkerId());
                assertEquals(ComputeDevice.engineDefault().id(), done.getDevice(), "the status names the device");
                List<StepMetric> steps = kafka.metrics.await(StepMetric.class, m -> m.size() >= 20, Duration.ofSeconds(10), "20 steps");
                assertEquals(stepsOnceEach(20), countByStep(steps));

                HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, scrape.statusCode());
                String text = scrape.body();
                assertTrue(text.contains("tunestream_worker_steps_total{worker=\"w1\"} 20.0"), text);
                assertTrue(text.contains("tunestream_worker_runs_total{outcome=\"succeeded\",worker=\"w1\"} 1.0"), text);
                assertTrue(text.contains("tunestream_worker_step_duration_seconds_count{worker=\"w1\"} 20"), text);
                assertTrue(text.contains("tunestream_worker_busy{worker=\"w1\"} 0.0"), text);
                assertTrue(text.contains("jvm_memory_used_bytes{"), "no JVM metrics");
                // the probes (docs/operations.md, "Health"): started, alive and, idle again, polling the queue
                for (String probe : List.of("startup", "live", "ready")) {
                    HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + server.port() + "/healthz/" + probe)).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, health.statusCode(), probe + ": " + health.body());
                    assertTrue(health.body().startsWith("{\"status\":\"up\""), health.body());
                }
            }
        }
    }

    /**
     * Device memory that holds 2 examples at a time: a run with batches of 8 goes on with micro-batches of 2 (8, 4, 2),
     * says so in its log and status and counts it in the worker's metrics. On a worker where not even one example
     * fits, a run fails with kind RESOURCE, which the scheduler does not retry. The limit throws what libtorch threw
     * for an allocation this machine cannot make.
     */
    @org.junit.jupiter.api.Test
    @Timeout(180)
    void aRunOutOfDeviceMemoryGoesOnWithSmallerMicroBatchesAndOneThatNeverFitsFailsAsAResourceFailure() throws Exception {
        ai.djl.engine.EngineException exhausted = io.tunestream.worker.TestModels.libtorchOutOfMemory();
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                TopicLog logs = new TopicLog(kafka.broker.bootstrapServers(), kafka.topics.logs())) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            KafkaFixture.RunningWorker small = kafka.startWorker(new Worker(kafka.workerConfig("w1", QueueMode.SHARE), registry)
                    .withDeviceMemory(micro -> {
                        if (micro.size() > 2) {
                            throw exhausted;
                        }
                    }));
            kafka.submit(KafkaFixture.request("fits", AdapterMethodId.lora, 6));
            RunStatus done = kafka.awaitState("fits", RunState.SUCCEEDED, Duration.ofSeconds(120));
            assertEquals(6, done.getSummary().getSteps());
            assertEquals(2, done.getMicroBatchSize(), "the status carries the micro-batch it trains with");
            List<io.tunestream.schemas.RunLog> warnings = logs.await(io.tunestream.schemas.RunLog.class,
                    l -> l.stream().filter(line -> line.getLevel().equals("WARN")).count() >= 2, Duration.ofSeconds(10),
                    "two warnings").stream().filter(line -> line.getLevel().equals("WARN")).toList();
            assertTrue(warnings.get(0).getMessage().startsWith("out of device memory at step 1 with micro-batches of 8: going on"
                    + " with 4 (") && warnings.get(0).getMessage().contains("can't allocate memory"), warnings.get(0).getMessage());
            assertTrue(warnings.get(1).getMessage().startsWith("out of device memory at step 1 with micro-batches of 4: going on"
                    + " with 2"), warnings.get(1).getMessage());
            assertTrue(registry.scrape().contains("tunestream_worker_memory_recoveries_total{worker=\"w1\"} 2.0"), registry.scrape());
            small.stop();

            kafka.startWorker(new Worker(kafka.workerConfig("w2", QueueMode.SHARE)).withDeviceMemory(micro -> {
                throw exhausted;
            }));
            kafka.submit(KafkaFixture.request("never", AdapterMethodId.lora, 6));
            RunStatus failed = kafka.awaitState("never", RunState.FAILED, Duration.ofSeconds(120));
            assertEquals(io.tunestream.schemas.FailureKind.RESOURCE, failed.getFailure().getKind());
            assertTrue(failed.getFailure().getMessage().startsWith("step 1 does not fit in device memory even one example at a time"),
                    failed.getFailure().getMessage());
            assertEquals(0, failed.getFailedAttempts(), "a resource failure is not counted as a lost attempt");
        }
    }

    /**
     * A host with more threads ready to run than cores (here: three spinning threads per core beside a training run):
     * the worker says so once in its log, naming the remedy, and its metrics show the load against the cores.
     */
    @org.junit.jupiter.api.Test
    @Timeout(120)
    void aWorkerOnAHostWithMoreBusyThreadsThanCoresSaysSoInItsLogAndMetrics() throws Exception {
        int cores = io.tunestream.worker.host.TrainingThreads.cores();
        java.util.concurrent.atomic.AtomicBoolean spinning = new java.util.concurrent.atomic.AtomicBoolean(true);
        List<Thread> spinners = new java.util.ArrayList<>();
        java.io.PrintStream console = System.err;
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1)) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            kafka.startWorker(new Worker(kafka.workerConfig("w1", QueueMode.SHARE), registry));
            kafka.submit(KafkaFixture.request("crowded", AdapterMethodId.lora, 100_000));
            kafka.awaitState("crowded", RunState.RUNNING, Duration.ofSeconds(60));
            // the worker's logger writes to whatever System.err is when it logs
            System.setErr(new java.io.PrintStream(new java.io.OutputStream() {
                @Override
                public void write(int b) {
                    console.write(b);
                    synchronized (log) {
                        log.write(b);
                    }
                }
            }, true));
            for (int i = 0; i < 3 * cores; i++) {
                Thread spinner = new Thread(() -> {
                    long x = 0;
                    while (spinning.get()) {
                        x += System.nanoTime() % 7;
                    }
                    if (x == 42) {
                        console.print("");
                    }
                }, "spinner-" + i);
                spinner.setDaemon(true);
                spinner.start();
                spinners.add(spinner);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String warning = "";
            while (System.nanoTime() < deadline && warning.isEmpty()) {
                Thread.sleep(500);
                warning = log.toString(java.nio.charset.StandardCharsets.UTF_8).lines()
                        .filter(l -> l.contains("threads ready to run on average")).findFirst().orElse("");
            }
            assertTrue(warning.contains("run crowded: the host has ") && warning.contains("on " + cores + " cores")
                    && warning.contains("--threads"), "no warning within 60 s:\n" + log);
            String scrape = registry.scrape();
            String gauge = scrape.lines().filter(l -> l.startsWith("tunestream_worker_host_runnable_threads{")).findFirst().orElse("");
            assertTrue(Double.parseDouble(gauge.substring(gauge.lastIndexOf(' ') + 1)) > cores, gauge);
            assertTrue(scrape.contains("tunestream_worker_host_cores{worker=\"w1\"} " + cores + ".0"), scrape);
            assertEquals(1, log.toString(java.nio.charset.StandardCharsets.UTF_8).lines()
                    .filter(l -> l.contains("threads ready to run on average")).count(), "said once per run");
            kafka.cancel("crowded");
            kafka.awaitState("crowded", RunState.CANCELLED, Duration.ofSeconds(30));
        } finally {
            spinning.set(false);
            System.setErr(console);
        }
    }

    /** Share groups: a 3 s record lock (the broker's minimum lowered for the test). */
    static final Map<String, String> SHORT_LOCK = Map.of(
            "group.share.record.lock.duration.ms", "3000", "group.share.min.record.lock.duration.ms", "1000");

    @ParameterizedTest
    @EnumSource(QueueMode.class)
    @Timeout(240)
    void aRunLongerThanTheLockOrThePollIntervalRunsExactlyOnce(QueueMode mode) throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(mode == QueueMode.SHARE ? SHORT_LOCK : Map.of(), 1)) {
            Properties client = new Properties();
            // classic groups: a member that does not poll for 5 s is evicted; the worker keeps polling while it trains.
            // Not shorter: two workers, the broker and the test share two cores, and JIT and GC pauses at a run's start
            // have reached 2 s here.
            client.put("max.poll.interval.ms", "5000");
            kafka.startWorker(kafka.workerConfig("w1", mode).withClientProperties(client));
            // a second worker that would get the request if the first lost its hold
            kafka.startWorker(kafka.workerConfig("w2", mode).withClientProperties(client));
            int steps = 4000;
            ExperimentRequest request = KafkaFixture.request("long", AdapterMethodId.lora, steps);
            // checkpoints are not what this test is about; every 2 steps they would dominate its time
            request.getTraining().setCheckpointEvery(500);
            kafka.submit(request);
            RunStatus done = kafka.awaitState("long", RunState.SUCCEEDED, Duration.ofSeconds(180));
            double seconds = Duration.between(done.getStartedAt(), done.getFinishedAt()).toMillis() / 1000.0;
            assertTrue(seconds > 10, "the run took " + seconds + " s: not longer than 3 lock durations (3 s) or 2 poll intervals (5 s)");
            List<RunStatus> statuses = kafka.statusesOf("long");
            assertEquals(1, statuses.stream().filter(s -> s.getState() == RunState.STARTING).count(), statuses.toString());
            assertTrue(statuses.stream().allMatch(s -> s.getAttempt() == 1), "a second attempt started: " + statuses);
            assertEquals(1, statuses.stream().map(RunStatus::getWorkerId).distinct().count(), "two workers ran it");
            Thread.sleep(2500);
            assertEquals(1, kafka.statusesOf("long").stream().filter(s -> s.getState() == RunState.SUCCEEDED).count());
            assertEquals(stepsOnceEach(steps), countByStep(kafka.metrics.messages(StepMetric.class)));
        }
    }

    @ParameterizedTest
    @EnumSource(QueueMode.class)
    @Timeout(180)
    void cancelStopsARunningRunWithinAStepAndSkipsAQueuedOne(QueueMode mode) throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1)) {
            kafka.startWorker(kafka.workerConfig("w1", mode));
            kafka.submit(KafkaFixture.request("running", AdapterMethodId.dora, 100_000));
            kafka.submit(KafkaFixture.request("queued", AdapterMethodId.lora, 10));
            kafka.metrics.await(StepMetric.class, m -> m.size() >= 5, Duration.ofSeconds(60), "5 steps of 'running'");
            kafka.cancel("queued");
            kafka.cancel("running");
            RunStatus cancelled = kafka.awaitState("running", RunState.CANCELLED, Duration.ofSeconds(30));
            long lastStep = kafka.metrics.messages(StepMetric.class).stream()
                    .filter(m -> m.getRunId().equals("running")).mapToLong(StepMetric::getStep).max().orElseThrow();
            assertEquals(lastStep, cancelled.getStep(), "steps were taken after the run was marked CANCELLED");
            assertTrue(lastStep < 100_000);
            kafka.awaitState("queued", RunState.CANCELLED, Duration.ofSeconds(30));
            // a worker claims the run (STARTING) to own its ending, and trains none of it
            assertTrue(kafka.statusesOf("queued").stream().noneMatch(s -> s.getState() == RunState.RUNNING),
                    "the cancelled queued run was started");
            assertTrue(kafka.metrics.messages(StepMetric.class).stream().noneMatch(m -> m.getRunId().equals("queued")));
            // the worker serves on
            kafka.submit(KafkaFixture.request("after", AdapterMethodId.lora, 4));
            kafka.awaitState("after", RunState.SUCCEEDED, Duration.ofSeconds(60));
        }
    }

    /** A 30 s broker outage in the middle of a run: training goes on, and every step's metric arrives once, in order. */
    @ParameterizedTest
    @EnumSource(QueueMode.class)
    @Timeout(300)
    void aThirtySecondBrokerOutageMidRunLosesDuplicatesAndReordersNoStep(QueueMode mode) throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1)) {
            kafka.startWorker(kafka.workerConfig("w1", mode));
            int steps = 6_000;
            ExperimentRequest request = KafkaFixture.request("restart", AdapterMethodId.lora, steps);
            request.getTraining().setCheckpointEvery(500);
            kafka.submit(request);
            kafka.metrics.await(StepMetric.class, m -> m.size() >= 100, Duration.ofSeconds(60), "100 steps");
            kafka.broker.stop();
            Thread.sleep(30_000);
            kafka.broker.restart();
            kafka.awaitState("restart", RunState.SUCCEEDED, Duration.ofSeconds(180));
            List<StepMetric> metrics = kafka.metrics.await(StepMetric.class, m -> m.size() >= steps, Duration.ofSeconds(30), steps + " steps");
            assertTrue(metrics.size() > steps / 10 && metrics.get(metrics.size() - 1).getTimestamp()
                    .isAfter(metrics.get(0).getTimestamp().plusSeconds(30)), "the run did not outlast the outage");
            assertEquals(stepsOnceEach(steps), countByStep(metrics));
            assertEquals(LongStream.rangeClosed(1, steps).boxed().toList(), metrics.stream().map(StepMetric::getStep).toList(),
                    "step metrics out of order");
            assertTrue(metrics.stream().allMatch(m -> m.getAttempt() == 1), "the run restarted");
            Thread.sleep(1000);
            assertEquals(1, kafka.statusesOf("restart").stream().filter(s -> s.getState() == RunState.SUCCEEDED).count());
        }
    }

    /**
     * The same request delivered to two workers at once (a duplicate on the requests topic): both try to claim the
     * attempt, the first STARTING on the status topic wins, the other backs off. One worker trains it, every step is
     * logged once, in Kafka and in the run's metrics.jsonl, and the run succeeds once.
     */
    @ParameterizedTest
    @EnumSource(QueueMode.class)
    @Timeout(180)
    void twoWorkersGivenTheSameRequestAtOnceTrainItOnce(QueueMode mode) throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1)) {
            kafka.startWorker(kafka.workerConfig("w1", mode));
            kafka.startWorker(kafka.workerConfig("w2", mode));
            int steps = 200;
            ExperimentRequest request = KafkaFixture.request("twin", AdapterMethodId.lora, steps);
            request.getTraining().setCheckpointEvery(10);
            request.setAttempt(1);
            kafka.submit(request);
            kafka.submit(request);
            kafka.awaitState("twin", RunState.SUCCEEDED, Duration.ofSeconds(120));
            Thread.sleep(3000);
            List<RunStatus> statuses = kafka.statusesOf("twin");
            String winner = statuses.stream().filter(s -> s.getState() == RunState.SUCCEEDED).map(RunStatus::getWorkerId)
                    .findFirst().orElseThrow();
            assertEquals(1, statuses.stream().filter(s -> s.getState() == RunState.SUCCEEDED).count(), statuses.toString());
            assertTrue(statuses.stream().filter(s -> s.getState() != RunState.STARTING)
                    .allMatch(s -> winner.equals(s.getWorkerId())), "the loser went on: " + statuses);
            assertEquals(stepsOnceEach(steps), countByStep(kafka.metrics.messages(StepMetric.class)));
            List<String> lines = java.nio.file.Files.readAllLines(kafka.store.resolve("twin/metrics.jsonl"));
            assertEquals(steps, lines.stream().filter(l -> l.contains("\"type\":\"step\"")).count(), "metrics.jsonl: " + lines.size());
        }
    }

    static Map<Long, Long> countByStep(List<StepMetric> metrics) {
        return metrics.stream().collect(Collectors.groupingBy(StepMetric::getStep, TreeMap::new, Collectors.counting()));
    }

    static Map<Long, Long> stepsOnceEach(int steps) {
        Map<Long, Long> expected = new TreeMap<>();
        for (long s = 1; s <= steps; s++) {
            expected.put(s, 1L);
        }
        return expected;
    }
}
