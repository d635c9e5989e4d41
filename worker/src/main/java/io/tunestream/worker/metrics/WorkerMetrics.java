package io.tunestream.worker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tunestream.schemas.FailureKind;
import io.tunestream.schemas.Topics;
import io.tunestream.worker.bench.ProcessMemory;
import io.tunestream.worker.host.ComputeDevice;
import io.tunestream.worker.host.TrainingThreads;
import io.tunestream.worker.train.EvalMetrics;
import io.tunestream.worker.train.StepMetrics;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * The worker's meters. Per worker (label {@code worker}): whether it is busy, runs by outcome, steps, examples and
 * tokens trained, step time, heartbeats sent, the latest loss, and records the producer gave up on. Per run (labels
 * of {@link RunLabels} plus the worker): see {@link RunMeters}; a run's series are removed {@code runSeriesGrace}
 * after it leaves the worker, long enough for Prometheus to scrape its last values. Plus JVM and process metrics,
 * and the Kafka clients' own through {@link #kafkaClients()}. Every name is listed in docs/metrics.md.
 */
public final class WorkerMetrics {

    /** Several scrapes at the usual 15 s interval see a finished run's last values before its series go. */
    public static final Duration DEFAULT_RUN_SERIES_GRACE = Duration.ofSeconds(60);

    private final MeterRegistry registry;
    private final String workerId;
    private final Duration runSeriesGrace;
    private final AtomicInteger busy = new AtomicInteger();
    private final AtomicReference<Double> latestLoss = new AtomicReference<>(Double.NaN);
    private final Counter steps;
    private final Counter samples;
    private final Counter tokens;
    private final Counter heartbeats;
    private final Counter memoryRecoveries;
    private final Counter skippedSteps;
    private final Counter checkpointsNotCommitted;
    private final AtomicReference<Double> hostRunnable = new AtomicReference<>(Double.NaN);
    private final AtomicReference<Double> deviceMemoryUsed = new AtomicReference<>(Double.NaN);
    private final AtomicReference<Double> deviceMemoryPeak = new AtomicReference<>(Double.NaN);
    private final Timer stepTime;
    private final ScheduledExecutorService removals;
    /** Series of runs that ended and wait for their removal, by run id. */
    private final Map<String, ScheduledFuture<?>> pendingRemovals = new HashMap<>();
    private final Map<String, RunMeters> endedRuns = new HashMap<>();
    private volatile RunMeters currentRun;

    /**
     * Every outcome a run can leave a worker with, as {@code tunestream_worker_runs_total} labels it (docs/metrics.md):
     * its terminal state, a failure by kind, or {@code handed_back} / {@code superseded}.
     */
    public static final List<String> OUTCOMES = Stream.concat(
            Stream.of("succeeded", "stopped", "cancelled", "handed_back", "superseded"),
            Arrays.stream(FailureKind.values()).map(WorkerMetrics::failed)).toList();

    /** The outcome label of a run that failed as {@code kind}. */
    public static String failed(FailureKind kind) {
        return "failed_" + kind.name().toLowerCase(Locale.ROOT);
    }

    /**
     * The registry a worker process serves: Prometheus's, configured before any meter registers, so that each Kafka
     * topic's consumer metrics appear once ({@link KafkaClientMeters#withoutDeprecatedTopicNames}).
     */
    public static PrometheusMeterRegistry prometheusRegistry(Topics topics) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(KafkaClientMeters.withoutDeprecatedTopicNames(topics));
        return registry;
    }

    public WorkerMetrics(MeterRegistry registry, String workerId) {
        this(registry, workerId, DEFAULT_RUN_SERIES_GRACE);
    }

    public WorkerMetrics(MeterRegistry registry, String workerId, Duration runSeriesGrace) {
        if (runSeriesGrace.isNegative()) {
            throw new IllegalArgumentException("the grace period of a run's series must not be negative, got " + runSeriesGrace);
        }
        this.registry = registry;
        this.workerId = workerId;
        this.runSeriesGrace = runSeriesGrace;
        this.removals = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, workerId + "-run-series-removal");
            t.setDaemon(true);
            return t;
        });
        Gauge.builder("tunestream.worker.busy", busy, AtomicInteger::get).tag("worker", workerId)
                .description("1 while the worker trains a run").register(registry);
        Gauge.builder("tunestream.worker.host.runnable.threads", hostRunnable, AtomicReference::get).tag("worker", workerId)
                .description("threads ready to run on the worker's host, averaged over the last 30 s of a run").register(registry);
        Gauge.builder("tunestream.worker.host.cores", TrainingThreads::cores).tag("worker", workerId)
                .description("cores the worker's process may use").register(registry);
        Gauge.builder("tunestream.worker.latest.loss", latestLoss, AtomicReference::get).tag("worker", workerId)
                .description("training loss of the worker's latest step").register(registry);
        steps = Counter.builder("tunestream.worker.steps").tag("worker", workerId)
                .description("training steps taken").register(registry);
        samples = Counter.builder("tunestream.worker.samples").tag("worker", workerId)
                .description("training examples processed").register(registry);
        tokens = Counter.builder("tunestream.worker.tokens").tag("worker", workerId)
                .description("real (unpadded) training tokens processed").register(registry);
        heartbeats = Counter.builder("tunestream.worker.heartbeats").tag("worker", workerId)
                .description("heartbeats sent").register(registry);
        memoryRecoveries = Counter.builder("tunestream.worker.memory.recoveries").tag("worker", workerId)
                .description("steps that ran out of device memory and went on with half the micro-batch").register(registry);
        skippedSteps = Counter.builder("tunestream.worker.steps.skipped").tag("worker", workerId)
                .description("fp16 steps whose gradients overflowed: no update, the loss scale halved").register(registry);
        checkpointsNotCommitted = Counter.builder("tunestream.worker.checkpoints.uncommitted").tag("worker", workerId)
                .description("checkpoints written that the store did not take in time (the previous one stood)").register(registry);
        stepTime = Timer.builder("tunestream.worker.step.duration").tag("worker", workerId)
                .description("wall time of a training step").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        // every outcome from zero, so that "runs by outcome" and increase() see a worker's first run end
        OUTCOMES.forEach(this::runsEnded);
        bindProcessMeters(registry);
    }

    private Counter runsEnded(String outcome) {
        return Counter.builder("tunestream.worker.runs").tag("worker", workerId).tag("outcome", outcome)
                .description("runs that left this worker, by outcome").register(registry);
    }

    /** Registries that already have the process's meters. */
    private static final Set<MeterRegistry> WITH_PROCESS_METERS = Collections.newSetFromMap(new WeakHashMap<>());

    /**
     * The JVM's and the process's meters, once per registry: workers that share a process and a registry (the demo,
     * the tests) share them, rather than registering each again (which Micrometer ignores, with a warning).
     */
    private static void bindProcessMeters(MeterRegistry registry) {
        synchronized (WITH_PROCESS_METERS) {
            if (!WITH_PROCESS_METERS.add(registry)) {
                return;
            }
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        // native memory (libtorch's tensors) shows only here, not in the JVM's memory pools
        Gauge.builder("process.resident.memory", ProcessMemory::residentBytes).baseUnit("bytes")
                .description("resident set size of the process (Linux)").register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Meters for the Kafka clients of one run of the worker's loop; close it when the clients close. */
    public KafkaClientMeters kafkaClients() {
        return new KafkaClientMeters(registry, Tags.of("worker", workerId));
    }

    /** A run starts on this worker: its series appear, replacing those of an earlier attempt still in their grace. */
    public synchronized void runStarted(RunLabels labels) {
        removeNow(labels.run());
        busy.set(1);
        currentRun = new RunMeters(registry, labels, workerId);
    }

    /**
     * A run left this worker; {@code outcome} is its terminal state, or {@code handed_back} / {@code superseded}. Its
     * series stay for the grace period, then go.
     */
    public synchronized void runEnded(String outcome) {
        if (!OUTCOMES.contains(outcome)) {
            throw new IllegalArgumentException("unknown outcome '" + outcome + "'; valid outcomes: " + OUTCOMES);
        }
        busy.set(0);
        runsEnded(outcome).increment();
        RunMeters ended = currentRun;
        currentRun = null;
        if (ended != null) {
            ended.ended();
            String run = ended.run();
            endedRuns.put(run, ended);
            pendingRemovals.put(run, removals.schedule(() -> removeNow(run), runSeriesGrace.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    public void step(StepMetrics metrics) {
        steps.increment();
        if (metrics.skipped()) {
            skippedSteps.increment();
        }
        samples.increment(metrics.batchSize());
        tokens.increment(metrics.tokensPerSecond() * metrics.stepMillis() / 1000);
        stepTime.record(Duration.ofNanos((long) (metrics.stepMillis() * 1e6)));
        latestLoss.set(metrics.loss());
        RunMeters run = currentRun;
        if (run != null) {
            run.step(metrics);
        }
    }

    public void evaluation(EvalMetrics metrics) {
        RunMeters run = currentRun;
        if (run != null) {
            run.evaluation(metrics);
        }
    }

    /** The device runs train on: its memory gauges carry its id (GPU only; NaN on the CPU). */
    public void device(ComputeDevice device) {
        Gauge.builder("tunestream.worker.device.memory.used", deviceMemoryUsed, AtomicReference::get).tag("worker", workerId)
                .tag("device", device.id()).baseUnit("bytes").description("a GPU's memory in use, all processes'").register(registry);
        Gauge.builder("tunestream.worker.device.memory.peak", deviceMemoryPeak, AtomicReference::get).tag("worker", workerId)
                .tag("device", device.id()).baseUnit("bytes").description("the most GPU memory in use during the current run")
                .register(registry);
    }

    /** A GPU's memory in use now and its peak over the current run (NaN between runs). */
    public void deviceMemory(double used, double peak) {
        deviceMemoryUsed.set(used);
        deviceMemoryPeak.set(peak);
    }

    /** The host's runnable threads, averaged over the last samples of a run (HostLoad). */
    public void hostLoad(double runnableThreads) {
        hostRunnable.set(runnableThreads);
    }

    /** A step ran out of device memory and is retried with half the micro-batch. */
    public void memoryRecovered() {
        memoryRecoveries.increment();
    }

    /** The store did not take a checkpoint; the run went on. */
    public void checkpointNotCommitted() {
        checkpointsNotCommitted.increment();
    }

    public void heartbeatSent() {
        heartbeats.increment();
    }

    /** Records the producer gave up on (not delivered in time, or dropped on a full buffer). */
    public void watchFailedRecords(LongSupplier failed) {
        // a supplier gauge holds its function strongly; a gauge on an object holds it weakly, and this one would be
        // collected (the gauge then reads NaN)
        Gauge.builder("tunestream.worker.publish.failures", failed::getAsLong).tag("worker", workerId)
                .description("records the producer gave up on").register(registry);
    }

    private synchronized void removeNow(String run) {
        ScheduledFuture<?> pending = pendingRemovals.remove(run);
        if (pending != null) {
            pending.cancel(false);
        }
        RunMeters ended = endedRuns.remove(run);
        if (ended != null) {
            ended.remove();
        }
    }
}
