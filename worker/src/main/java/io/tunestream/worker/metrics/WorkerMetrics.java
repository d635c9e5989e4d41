package io.tunestream.worker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.tunestream.worker.train.StepMetrics;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The worker's own meters, tagged with the worker id: whether it is busy, runs by outcome, training steps and
 * their duration, the latest loss, and records the producer gave up on; plus JVM and process metrics.
 */
public final class WorkerMetrics {

    private final MeterRegistry registry;
    private final String workerId;
    private final AtomicInteger busy = new AtomicInteger();
    private final AtomicReference<Double> latestLoss = new AtomicReference<>(Double.NaN);
    private final Counter steps;
    private final Timer stepTime;

    public WorkerMetrics(MeterRegistry registry, String workerId) {
        this.registry = registry;
        this.workerId = workerId;
        Gauge.builder("tunestream.worker.busy", busy, AtomicInteger::get).tag("worker", workerId)
                .description("1 while the worker trains a run").register(registry);
        Gauge.builder("tunestream.worker.latest.loss", latestLoss, AtomicReference::get).tag("worker", workerId)
                .description("training loss of the worker's latest step").register(registry);
        steps = Counter.builder("tunestream.worker.steps").tag("worker", workerId)
                .description("training steps taken").register(registry);
        stepTime = Timer.builder("tunestream.worker.step.duration").tag("worker", workerId)
                .description("wall time of a training step").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void runStarted() {
        busy.set(1);
    }

    /** A run left this worker; {@code outcome} is its terminal state, or {@code handed_back} / {@code abandoned}. */
    public void runEnded(String outcome) {
        busy.set(0);
        Counter.builder("tunestream.worker.runs").tag("worker", workerId).tag("outcome", outcome)
                .description("runs that left this worker, by outcome").register(registry).increment();
    }

    public void step(StepMetrics metrics) {
        steps.increment();
        stepTime.record(Duration.ofNanos((long) (metrics.stepMillis() * 1e6)));
        latestLoss.set(metrics.loss());
    }

    /** Records the producer gave up on (not delivered in time, or dropped on a full buffer). */
    public void watchFailedRecords(java.util.function.LongSupplier failed) {
        Gauge.builder("tunestream.worker.publish.failures", failed, s -> s.getAsLong()).tag("worker", workerId)
                .description("records the producer gave up on").register(registry);
    }
}
