package io.tunestream.worker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tunestream.worker.train.EvalMetrics;
import io.tunestream.worker.train.EvaluationResult;
import io.tunestream.worker.train.StepMetrics;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A run's series carry its labels, follow its steps and evaluations, and leave the registry after the grace period. */
class WorkerMetricsTest {

    private static final RunLabels RUN = new RunLabels("run-a", "sweep-1", "lora", "random:tiny", "4", "glue-sst2");

    /**
     * Every outcome's counter is there at zero before any run ends, so that a dashboard's "runs by outcome" and
     * increase() see the first one; an outcome outside the list is refused rather than counted under a new label.
     */
    @Test
    void everyOutcomeStartsAtZeroAndAnUnknownOneIsRefused() {
        MeterRegistry registry = new SimpleMeterRegistry();
        WorkerMetrics metrics = new WorkerMetrics(registry, "w1", Duration.ofMinutes(5));
        assertEquals(java.util.Set.of("succeeded", "stopped", "cancelled", "handed_back", "superseded", "failed_bad_request",
                "failed_training", "failed_infrastructure", "failed_budget", "failed_unknown", "failed_resource"),
                java.util.Set.copyOf(WorkerMetrics.OUTCOMES));
        for (String outcome : WorkerMetrics.OUTCOMES) {
            assertEquals(0, registry.find("tunestream.worker.runs").tag("outcome", outcome).counter().count(), 0.0, outcome);
        }
        assertThrows(IllegalArgumentException.class, () -> metrics.runEnded("failed"));
    }

    @Test
    void aRunsSeriesCarryItsLabelsAndFollowItsStepsAndEvaluations() {
        MeterRegistry registry = new SimpleMeterRegistry();
        WorkerMetrics metrics = new WorkerMetrics(registry, "w1", Duration.ofMinutes(5));
        metrics.runStarted(RUN);
        assertNull(registry.find("tunestream.worker.run.score").gauge(), "a score before any evaluation");
        metrics.step(step(1, 0.7, 20));
        metrics.step(step(2, 0.6, 40));
        metrics.evaluation(evaluation(2, 0.80));
        metrics.evaluation(evaluation(4, 0.75));

        assertEquals(0.6, runGauge(registry, "tunestream.worker.run.loss"), 0.0);
        assertEquals(2, runGauge(registry, "tunestream.worker.run.step"), 0.0);
        assertEquals(1e-3, runGauge(registry, "tunestream.worker.run.learning.rate"), 0.0);
        assertEquals(0.75, runGauge(registry, "tunestream.worker.run.score"), 0.0);
        assertEquals(0.80, runGauge(registry, "tunestream.worker.run.best.score"), 0.0);
        assertEquals("accuracy", registry.find("tunestream.worker.run.best.score").gauge().getId().getTag("metric"),
                "the score names its metric");
        Timer runSteps = registry.find("tunestream.worker.run.step.duration").tag("run", "run-a").timer();
        assertNotNull(runSteps);
        assertEquals(2, runSteps.count());
        assertEquals(60, runSteps.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS), 1e-6);
        assertEquals(16, registry.find("tunestream.worker.samples").counter().count(), 0.0);
        assertEquals(1, registry.find("tunestream.worker.busy").gauge().value(), 0.0);
    }

    @Test
    @Timeout(30)
    void aRunsSeriesLeaveTheRegistryAfterTheGracePeriodAndTheWorkersStay() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        endedRun(registry, Duration.ofMillis(300), "succeeded");
        assertEquals(0.7, runGauge(registry, "tunestream.worker.run.loss"), 0.0, "removed before the grace period ended");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (runSeriesCount(registry) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(0, runSeriesCount(registry), "a finished run's series are still registered: " + registry.getMeters());
        assertNotNull(registry.find("tunestream.worker.steps").tag("worker", "w1").counter());
        assertEquals(1, registry.find("tunestream.worker.runs").tag("outcome", "succeeded").counter().count(), 0.0);
        assertEquals(0, registry.find("tunestream.worker.busy").gauge().value(), 0.0);
    }

    @Test
    void anAttemptStartedWithinTheGracePeriodGetsFreshSeries() {
        MeterRegistry registry = new SimpleMeterRegistry();
        WorkerMetrics metrics = endedRun(registry, Duration.ofMinutes(5), "handed_back");
        metrics.runStarted(RUN);
        assertTrue(Double.isNaN(runGauge(registry, "tunestream.worker.run.loss")), "the earlier attempt's loss is shown");
        assertNull(registry.find("tunestream.worker.run.best.score").gauge(), "the earlier attempt's score is shown");
        metrics.step(step(8, 0.5, 20));
        assertEquals(0.5, runGauge(registry, "tunestream.worker.run.loss"), 0.0);
        assertEquals(1, registry.find("tunestream.worker.run.step.duration").timer().count());
    }

    @Test
    void aNegativeGracePeriodIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new WorkerMetrics(new SimpleMeterRegistry(), "w1", Duration.ofSeconds(-1)));
        assertTrue(e.getMessage().contains("grace period"), e.getMessage());
    }

    /** A worker whose run took a step (loss 0.7) and an evaluation, then left with {@code outcome}. */
    private static WorkerMetrics endedRun(MeterRegistry registry, Duration grace, String outcome) {
        WorkerMetrics metrics = new WorkerMetrics(registry, "w1", grace);
        metrics.runStarted(RUN);
        metrics.step(step(1, 0.7, 20));
        metrics.evaluation(evaluation(1, 0.9));
        metrics.runEnded(outcome);
        return metrics;
    }

    private static double runGauge(MeterRegistry registry, String name) {
        Gauge gauge = registry.find(name).tags("run", "run-a", "sweep", "sweep-1", "method", "lora", "model", "random:tiny",
                "rank", "4", "dataset", "glue-sst2", "worker", "w1").gauge();
        assertNotNull(gauge, name + " with the run's labels");
        return gauge.value();
    }

    private static long runSeriesCount(MeterRegistry registry) {
        return registry.getMeters().stream().filter(m -> m.getId().getTag("run") != null).count();
    }

    private static StepMetrics step(long step, double loss, double millis) {
        return new StepMetrics(step, 100, 0, loss, 1e-3, 1.5, 400, 5000, millis, 8, 256, false);
    }

    private static EvalMetrics evaluation(long step, double accuracy) {
        return new EvalMetrics(step, 0, new EvaluationResult(java.util.Map.of("accuracy", accuracy), "accuracy", 0.5, 64), false);
    }
}
