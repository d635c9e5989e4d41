package io.tunestream.worker.service;

import io.tunestream.schemas.EvalMetric;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.FailureKind;
import io.tunestream.schemas.RequestLimits;
import io.tunestream.schemas.RunFailure;
import io.tunestream.schemas.RunLineage;
import io.tunestream.schemas.RunLog;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStates;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.RunSummary;
import io.tunestream.schemas.Scores;
import io.tunestream.schemas.StepMetric;
import io.tunestream.worker.run.Lineage;
import io.tunestream.worker.train.EvalMetrics;
import io.tunestream.worker.train.StepMetrics;
import io.tunestream.worker.train.TrainingConfig;
import io.tunestream.worker.train.TrainingListener;
import io.tunestream.worker.train.TrainingSummary;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * One attempt's voice on Kafka: a step metric for every step, an eval metric for every evaluation, and the run's
 * status at each transition and every {@code statusInterval} while it trains. It keeps the latest progress so
 * that every status record is whole (the status topic is compacted: the last record is all a reader gets).
 */
final class RunReporter implements TrainingListener {

    private final EventPublisher publisher;
    private final ExperimentRequest request;
    private final int attempt;
    private int failedAttempts;
    private final String workerId;
    private final String device;
    private Long deviceMemoryPeak;
    private final Duration statusInterval;
    private final Clock clock;
    private final Instant startedAt;

    private long step;
    private long totalSteps;
    private Integer microBatchSize;
    private Double latestLoss;
    private String metric = "accuracy";
    private Double bestScore;
    private Long bestStep;
    private Map<String, String> experiment = Map.of();
    private RunLineage lineage;
    private final Map<String, String> artifacts = new TreeMap<>();
    private RunState lastState;
    private Instant lastStatus = Instant.EPOCH;
    private long publishNanos;
    private double stepMillis;
    private long steps;

    /**
     * @param failedAttempts attempts lost to infrastructure before this one (carried in every status, so that a
     *     retry knows how many are left)
     */
    RunReporter(EventPublisher publisher, ExperimentRequest request, int attempt, int failedAttempts, String workerId,
            String device, Duration statusInterval, Clock clock) {
        this.publisher = publisher;
        this.request = request;
        this.attempt = attempt;
        this.failedAttempts = failedAttempts;
        this.workerId = workerId;
        this.device = device;
        this.statusInterval = statusInterval;
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    int attempt() {
        return attempt;
    }

    synchronized long step() {
        return step;
    }

    /**
     * From now on every status says how the experiment runs, defaults filled in (RunStatus.experiment), and where its
     * result comes from (RunStatus.lineage).
     */
    @Override
    public synchronized void onPrepared(TrainingConfig config, Lineage prepared) {
        experiment = config.experimentValues();
        microBatchSize = config.batchSize();
        lineage = RunLineage.newBuilder().setBuild(prepared.build()).setModel(prepared.model().reference())
                .setModelSource(prepared.model().source()).setModelSha256(prepared.model().weightsSha256())
                .setDataset(prepared.dataset().name()).setDatasetFiles(prepared.dataset().files())
                .setDatasetSha256(prepared.dataset().sha256()).setDevice(prepared.device())
                .setPrecision(prepared.precision()).build();
        log("INFO", "attempt " + attempt + " on " + workerId + ": " + experiment.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(java.util.stream.Collectors.joining(" ")));
        log("INFO", "lineage: build " + prepared.build() + ", model " + prepared.model().source() + " (sha256 "
                + prepared.model().weightsSha256() + "), data " + String.join(", ", prepared.dataset().files())
                + " (sha256 " + prepared.dataset().sha256() + "), " + prepared.device() + " " + prepared.precision());
    }

    /** From now on every status says where the run's artifact {@code kind} is (RunStatus.artifacts). */
    synchronized void artifact(String kind, String location) {
        artifacts.put(kind, location);
    }

    @Override
    public synchronized void onArtifact(String kind, String location) {
        artifact(kind, location);
        log("INFO", "published the " + kind + " export to " + location);
    }

    @Override
    public synchronized void onArtifactNotPublished(String kind, String reason) {
        log("WARN", "the " + kind + " export is not published: " + reason);
    }

    /** One line of the run's log: transitions, evaluations, failures; never a line per step. */
    private void log(String level, String message) {
        publisher.log(request.getRunId(), RunLog.newBuilder().setRunId(request.getRunId()).setAttempt(attempt)
                .setWorkerId(workerId).setLevel(level).setMessage(RequestLimits.bounded(message))
                .setTimestamp(clock.instant()).build());
    }

    /** The log line of a move to {@code state}, when the state changes. */
    private void logTransition(RunState state, RunSummary summary, RunFailure failure, String reason) {
        String why = reason == null ? "" : ": " + reason;
        switch (state) {
            case RUNNING -> log("INFO", "training from step " + step + " of " + totalSteps);
            case SUCCEEDED -> log("INFO", "succeeded after " + summary.getSteps() + " steps: best " + metric + " "
                    + Scores.format(metric, bestScore == null ? Double.NaN : bestScore) + " at step " + bestStep);
            case STOPPED -> log("INFO", "stopped at step " + step + why);
            case CANCELLED -> log("INFO", "cancelled at step " + step + why);
            case QUEUED -> log("WARN", "handed back at step " + step + why);
            case FAILED -> log("ERROR", "failed (" + failure.getKind() + "): " + failure.getMessage());
            default -> { }
        }
    }

    @Override
    public synchronized void onStart(long startStep, long total, int trainExamples) {
        step = startStep;
        totalSteps = total;
        publish(RunState.RUNNING);
    }

    @Override
    public void onStep(StepMetrics m) {
        long started = System.nanoTime();
        publisher.metric(request.getRunId(), StepMetric.newBuilder()
                .setRunId(request.getRunId()).setAttempt(attempt).setStep(m.step()).setTotalSteps(m.totalSteps())
                .setEpoch(m.epoch()).setLoss(m.loss()).setLearningRate(m.learningRate())
                .setGradientNorm(m.gradientNorm()).setSamplesPerSecond(m.samplesPerSecond())
                .setTokensPerSecond(m.tokensPerSecond()).setStepMillis(m.stepMillis()).setBatchSize(m.batchSize())
                .setTimestamp(clock.instant()).build());
        synchronized (this) {
            step = m.step();
            latestLoss = m.loss();
            if (Duration.between(lastStatus, clock.instant()).compareTo(statusInterval) >= 0) {
                publish(RunState.RUNNING);
            }
            publishNanos += System.nanoTime() - started;
            stepMillis += m.stepMillis();
            steps++;
        }
    }

    /** A step ran out of device memory: the log says so, and every status from now on carries the new micro-batch. */
    @Override
    public synchronized void onMicroBatch(long failedStep, int from, int to, String reason) {
        microBatchSize = to;
        log("WARN", "out of device memory at step " + failedStep + " with micro-batches of " + from + ": going on with "
                + to + " (" + reason + ")");
        publish(RunState.RUNNING);
    }

    /** The store did not take a checkpoint: the run's log says so. */
    @Override
    public synchronized void onCheckpointNotCommitted(long checkpointStep, String reason) {
        log("WARN", "the checkpoint of step " + checkpointStep + " is not committed; the store keeps the one before and"
                + " training goes on (" + reason + ")");
    }

    /** On a GPU, the most memory in use so far this attempt; the next status carries it. */
    synchronized void deviceMemoryPeak(long bytes) {
        deviceMemoryPeak = bytes;
    }

    /** What streaming this attempt cost its training thread: time in publish calls against time in steps. */
    synchronized PublishingCost publishingCost() {
        return new PublishingCost(steps, publishNanos / 1e6, stepMillis);
    }

    @Override
    public void onEvaluation(EvalMetrics e) {
        publisher.metric(request.getRunId(), EvalMetric.newBuilder()
                .setRunId(request.getRunId()).setAttempt(attempt).setStep(e.step()).setEpoch(e.epoch())
                .setAccuracy(e.result().value("accuracy")).setF1(e.result().value("macro_f1")).setLoss(e.result().loss())
                .setExamples(e.result().examples()).setBest(e.best()).setTimestamp(clock.instant())
                .setMetric(e.result().metric()).setMetrics(e.result().metrics()).build());
        synchronized (this) {
            metric = e.result().metric();
            boolean best = bestScore == null || e.result().score() > bestScore;
            if (best) {
                bestScore = e.result().score();
                bestStep = e.step();
            }
            log("INFO", "step " + e.step() + ": " + e.result().metrics().entrySet().stream()
                    .map(m -> m.getKey() + " " + Scores.format(m.getKey(), m.getValue()))
                    .collect(java.util.stream.Collectors.joining(", "))
                    + String.format(java.util.Locale.ROOT, ", loss %.4f", e.result().loss()) + (best ? " (best so far)" : ""));
            publish(RunState.RUNNING);
        }
    }

    synchronized Future<RecordMetadata> publish(RunState state) {
        return publish(state, null, null, null);
    }

    synchronized Future<RecordMetadata> succeeded(TrainingSummary s) {
        return publish(RunState.SUCCEEDED, summaryOf(s), null, null);
    }

    /** STOPPED early on the coordinator's order, with the summary of how far it got. */
    synchronized Future<RecordMetadata> stopped(TrainingSummary s, String reason) {
        return publish(RunState.STOPPED, summaryOf(s), null, reason);
    }

    synchronized Future<RecordMetadata> cancelled(String reason) {
        return publish(RunState.CANCELLED, null, null, reason);
    }

    /** FAILED; a failure of the infrastructure counts against the run's attempts. */
    synchronized Future<RecordMetadata> failed(FailureKind kind, String field, String message) {
        if (kind == FailureKind.INFRASTRUCTURE) {
            failedAttempts++;
        }
        return publish(RunState.FAILED, null, RunFailure.newBuilder().setKind(kind).setField(field)
                .setMessage(RequestLimits.bounded(message)).build(), null);
    }

    /** FAILED for good: the run lost its last allowed attempt (already counted) to infrastructure. */
    synchronized Future<RecordMetadata> gaveUp(String message) {
        return publish(RunState.FAILED, null, RunFailure.newBuilder().setKind(FailureKind.INFRASTRUCTURE).setMessage(message).build(), null);
    }

    private RunSummary summaryOf(TrainingSummary s) {
        step = s.steps();
        metric = s.metric();
        bestScore = s.bestScore();
        bestStep = s.bestStep();
        return RunSummary.newBuilder()
                .setSteps(s.steps()).setFinalAccuracy(s.finalEvaluation().value("accuracy"))
                .setFinalF1(s.finalEvaluation().value("macro_f1")).setFinalLoss(s.finalEvaluation().loss())
                .setBestAccuracy(accuracyOrNaN(s.metric(), s.bestScore())).setBestStep(s.bestStep())
                .setMetric(s.metric()).setBestScore(s.bestScore()).setFinalMetrics(s.finalEvaluation().metrics())
                .setDataset(request.getDataset())
                .setAdapterParameters(s.adapterParameters()).setHeadParameters(s.headParameters())
                .setTotalParameters(s.totalParameters()).setWallSeconds(s.wallSeconds())
                .setSamplesPerSecond(s.samplesPerSecond()).setTrainExamples(s.trainExamples()).build();
    }

    /** The accuracy fields that readers from before tasks know: the best score when it is accuracy. */
    private static double accuracyOrNaN(String metric, double score) {
        return metric.equals("accuracy") ? score : Double.NaN;
    }

    private Future<RecordMetadata> publish(RunState state, RunSummary summary, RunFailure failure, String reason) {
        if (state != lastState) {
            logTransition(state, summary, failure, reason);
            lastState = state;
        }
        Instant now = clock.instant();
        lastStatus = now;
        boolean terminal = RunStates.ended(state);
        boolean queued = state == RunState.QUEUED;
        RunStatus status = RunStatus.newBuilder()
                .setRunId(request.getRunId()).setSweepId(request.getSweepId()).setState(state).setAttempt(attempt)
                .setFailedAttempts(failedAttempts).setReason(RequestLimits.bounded(reason))
                .setWorkerId(queued ? null : workerId).setStep(step).setTotalSteps(totalSteps)
                .setLatestLoss(latestLoss).setBestStep(bestStep).setMetric(metric).setBestScore(bestScore)
                .setBestAccuracy(bestScore == null || !metric.equals("accuracy") ? null : bestScore)
                .setSummary(summary).setFailure(failure).setUpdatedAt(now).setStartedAt(startedAt)
                .setFinishedAt(terminal ? now : null).setExperiment(experiment).setMicroBatchSize(microBatchSize)
                .setDevice(queued ? null : device).setDeviceMemoryPeakBytes(deviceMemoryPeak).setLineage(lineage)
                .setArtifacts(Map.copyOf(artifacts)).build();
        return publisher.status(request.getRunId(), status);
    }
}
