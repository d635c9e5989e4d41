package io.tunestream.worker.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.tunestream.worker.train.EvalMetrics;
import io.tunestream.worker.train.StepMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The series of one run on one worker, labelled with {@link RunLabels} and the worker: the latest step's loss,
 * learning rate, gradient norm and throughput, a step-time histogram, and the latest and best value of the task's
 * primary metric, labelled with its name ({@code metric="accuracy"}, {@code metric="pearson_spearman"}). They
 * exist from the run's start until {@link #remove}, which takes every one of them out of the registry: a worker
 * trains many runs, and keeping each run's series forever would grow the scrape without bound.
 */
final class RunMeters {

    private final MeterRegistry registry;
    private final String run;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();
    private final Timer stepTime;
    private volatile StepMetrics latestStep;
    private volatile double latestScore = Double.NaN;
    private volatile double bestScore = Double.NaN;
    private boolean evaluated;
    private volatile boolean active = true;

    RunMeters(MeterRegistry registry, RunLabels labels, String workerId) {
        this.registry = registry;
        this.run = labels.run();
        this.tags = labels.tags(workerId);
        stepGauge("tunestream.worker.run.step", "latest training step of the run", StepMetrics::step);
        stepGauge("tunestream.worker.run.loss", "training loss of the run's latest step", StepMetrics::loss);
        stepGauge("tunestream.worker.run.learning.rate", "learning rate of the run's latest step", StepMetrics::learningRate);
        stepGauge("tunestream.worker.run.gradient.norm", "global gradient norm of the run's latest step, before clipping",
                StepMetrics::gradientNorm);
        stepGauge("tunestream.worker.run.samples.per.second", "examples per second of the run's latest step",
                StepMetrics::samplesPerSecond);
        stepGauge("tunestream.worker.run.tokens.per.second", "real (unpadded) tokens per second of the run's latest step",
                StepMetrics::tokensPerSecond);
        // 1 while the run trains here, 0 once it has left this worker (its series stay for a grace period): the run
        // detail dashboard lists active runs first, so that it opens on one that is training
        meters.add(Gauge.builder("tunestream.worker.run.active", this, m -> m.active ? 1 : 0).tags(tags)
                .description("1 while the run trains on this worker, 0 after it left").register(registry));
        stepTime = Timer.builder("tunestream.worker.run.step.duration").tags(tags)
                .description("wall time of the run's training steps").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        meters.add(stepTime);
    }

    String run() {
        return run;
    }

    /** The run left this worker; its series stay until {@link #remove}. */
    void ended() {
        active = false;
    }

    void step(StepMetrics metrics) {
        latestStep = metrics;
        stepTime.record(Duration.ofNanos((long) (metrics.stepMillis() * 1e6)));
    }

    /** The score series start at the first evaluation, so that a run not yet evaluated shows no made-up value. */
    synchronized void evaluation(EvalMetrics metrics) {
        double score = metrics.result().score();
        latestScore = score;
        if (Double.isNaN(bestScore) || score > bestScore) {
            bestScore = score;
        }
        if (!evaluated) {
            evaluated = true;
            Tags scoreTags = tags.and("metric", metrics.result().metric());
            meters.add(Gauge.builder("tunestream.worker.run.score", this, m -> m.latestScore).tags(scoreTags)
                    .description("the task's primary metric at the run's latest evaluation").register(registry));
            meters.add(Gauge.builder("tunestream.worker.run.best.score", this, m -> m.bestScore).tags(scoreTags)
                    .description("best value of the task's primary metric so far").register(registry));
        }
    }

    synchronized void remove() {
        meters.forEach(registry::remove);
        meters.clear();
    }

    private void stepGauge(String name, String description, ToDoubleFunction<StepMetrics> value) {
        meters.add(Gauge.builder(name, this, m -> {
            StepMetrics latest = m.latestStep;
            return latest == null ? Double.NaN : value.applyAsDouble(latest);
        }).tags(tags).description(description).register(registry));
    }
}
