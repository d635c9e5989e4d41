package io.tunestream.worker.train;

import ai.djl.engine.Engine;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.ParameterCounts;
import io.tunestream.worker.checkpoint.AdapterCheckpoint;
import io.tunestream.worker.checkpoint.TrainingCheckpoint;
import io.tunestream.worker.data.Batch;
import io.tunestream.worker.data.BatchPlan;
import io.tunestream.worker.data.EncodedDataset;
import io.tunestream.worker.run.RunDirectory;
import io.tunestream.worker.store.StoreUnavailableException;
import io.tunestream.worker.task.Task;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Fine-tunes one {@link AdaptedModel}: one readable loop in a fixed order (learning rate, forward/backward/step, log,
 * evaluate and checkpoint, stop check), resumable at any step.
 *
 * <p>A run stopped and resumed reproduces the uninterrupted run exactly: the batch order is a function of (seed,
 * epoch), the learning rate a function of the step, the dropout masks come from the engine generator reseeded from
 * (seed, step) before every step, and the checkpoint holds the trainable parameters and the optimizer moments.
 */
public final class Trainer {

    private final AdaptedModel model;
    private final TrainingConfig config;
    private final Task task;
    private final EncodedDataset train;
    private final List<EvaluationSet> dev;
    private final RunDirectory runDirectory;
    private final TrainingListener listener;
    private Duration checkpointInterval = DEFAULT_CHECKPOINT_INTERVAL;
    private long lastCheckpointNanos;
    private DeviceMemory memory = DeviceMemory.ENGINE;
    /** Examples per forward pass: the config's batchSize, halved each time a step runs out of device memory. */
    private int microBatchSize;
    /** fp16's loss scale; none in fp32. */
    private LossScaler scaler = LossScaler.none();

    /**
     * Wall time after which a step writes a checkpoint even when no evaluation or {@code checkpointEvery} asks for one,
     * so that a run killed before its first evaluation (every 500 steps by default) does not start over. Writing one
     * changes nothing in training (TrainerTest).
     */
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofMinutes(5);

    public Trainer(AdaptedModel model, TrainingConfig config, Task task, EncodedDataset train, List<EvaluationSet> dev,
            RunDirectory runDirectory, TrainingListener listener) {
        if (dev.isEmpty()) {
            throw new IllegalArgumentException("a run needs at least one evaluation set");
        }
        this.model = model;
        this.config = config;
        this.task = task;
        this.train = train;
        this.dev = List.copyOf(dev);
        this.runDirectory = runDirectory;
        this.listener = TrainingListener.all(runDirectory, listener);
        this.microBatchSize = config.batchSize();
    }

    /**
     * This trainer taking each micro-batch's memory through {@code memory} before its forward pass: tests limit memory
     * this way to make a step run out of it.
     */
    public Trainer withDeviceMemory(DeviceMemory memory) {
        this.memory = memory;
        return this;
    }

    /** This trainer checkpointing at least every {@code interval} of wall time. */
    public Trainer checkpointingEvery(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the checkpoint interval must be positive, got " + interval);
        }
        this.checkpointInterval = interval;
        return this;
    }

    /** Steps in one epoch: every training example once, the last batch possibly smaller. */
    public static long batchesPerEpoch(int examples, int batchSize) {
        return ((long) examples + batchSize - 1) / batchSize;
    }

    /** Examples per optimizer step: {@code gradAccum} micro-batches of {@code batchSize}. */
    private int effectiveBatchSize() {
        return config.batchSize() * config.gradAccum();
    }

    /** Optimizer steps the run takes: all epochs, capped by {@code maxSteps} when set. */
    public long totalSteps() {
        long all = config.epochs() * batchesPerEpoch(train.size(), effectiveBatchSize());
        return config.maxSteps() > 0 ? Math.min(all, config.maxSteps()) : all;
    }

    /**
     * Trains from the run directory's latest checkpoint (or from the start) until the last step or until
     * {@code stopRequested} answers true after a step; a stopped run is checkpointed and can be resumed.
     */
    public TrainingSummary run(BooleanSupplier stopRequested) {
        long totalSteps = totalSteps();
        long perEpoch = batchesPerEpoch(train.size(), effectiveBatchSize());
        LearningRateSchedule schedule = LearningRateSchedule.of(config.learningRate(), config.warmupRatio(), totalSteps);
        try (AdamW optimizer = new AdamW(model.trainableParameters(), config.weightDecay(), model.manager())) {
            TrainingState state = TrainingCheckpoint.find(runDirectory.latestCheckpoint())
                    .map(dir -> TrainingCheckpoint.load(dir, model, optimizer))
                    .orElse(TrainingState.initial());
            runDirectory.truncateMetricsAfter(state.step());
            scaler = state.scaler(config.trainingPrecision());
            lastCheckpointNanos = System.nanoTime();
            if (state.step() < totalSteps && stopRequested.getAsBoolean()) {
                // asked to stop before its first step: nothing changed since the checkpoint
                return summary("stopped", state, null, 0, 0);
            }
            if (state.step() < totalSteps) {
                rehearse(optimizer, (int) (state.step() / perEpoch), state.step() + 1);
            }
            listener.onStart(state.step(), totalSteps, train.size());
            double stepSeconds = 0;
            long examplesThisAttempt = 0;
            EvaluationResult lastEvaluation = null;
            List<int[]> plan = List.of();
            int planEpoch = -1;
            for (long step = state.step(); step < totalSteps; step++) {
                int epoch = (int) (step / perEpoch);
                if (epoch != planEpoch) {
                    plan = BatchPlan.training(train, effectiveBatchSize(), config.seed(), epoch);
                    planEpoch = epoch;
                }
                int[] batch = plan.get((int) (step % perEpoch));
                StepMetrics metrics = step(optimizer, batch, schedule.at(step), step, totalSteps, epoch);
                stepSeconds += metrics.stepMillis() / 1000;
                examplesThisAttempt += batch.length;
                state = new TrainingState(step + 1, state.bestScore(), state.bestStep(),
                        state.trainingSeconds() + metrics.stepMillis() / 1000, state.examplesSeen() + batch.length, 0, 0)
                        .withScaler(scaler);
                listener.onStep(metrics);

                long done = step + 1;
                boolean epochEnd = done % perEpoch == 0 || done == totalSteps;
                if (epochEnd || (config.evalEvery() > 0 && done % config.evalEvery() == 0)) {
                    long started = System.nanoTime();
                    lastEvaluation = Evaluator.evaluate(model, task, dev, config.evalBatchSize());
                    boolean best = lastEvaluation.score() > state.bestScore();
                    state = new TrainingState(done, best ? lastEvaluation.score() : state.bestScore(),
                            best ? done : state.bestStep(), state.trainingSeconds() + (System.nanoTime() - started) / 1e9,
                            state.examplesSeen(), 0, 0).withScaler(scaler);
                    if (best) {
                        saveBest();
                    }
                    listener.onEvaluation(new EvalMetrics(done, epoch, lastEvaluation, best));
                    checkpoint(optimizer, state);
                } else if ((config.checkpointEvery() > 0 && done % config.checkpointEvery() == 0)
                        || System.nanoTime() - lastCheckpointNanos >= checkpointInterval.toNanos()) {
                    checkpoint(optimizer, state);
                }
                if (done < totalSteps && stopRequested.getAsBoolean()) {
                    if (!epochEnd) {
                        checkpoint(optimizer, state);
                    }
                    return summary("stopped", state, lastEvaluation, examplesThisAttempt, stepSeconds);
                }
            }
            if (lastEvaluation == null) {
                lastEvaluation = Evaluator.evaluate(model, task, dev, config.evalBatchSize());
            }
            TrainingSummary summary = summary("completed", state, lastEvaluation, examplesThisAttempt, stepSeconds);
            runDirectory.writeSummary(summary);
            return summary;
        }
    }

    /**
     * Before an attempt's first step: a forward and backward pass on the largest batch of the epoch it starts in and
     * an evaluation of the longest dev sentences, with nothing updated. That epoch's largest tensors are allocated
     * at its start, so a run too big for its memory (a GPU's, or a container's limit) fails in its first seconds
     * rather than at a long batch hours in (later epochs' batches differ, but come from the same sentences).
     * Dropout masks are reseeded before every step, so this changes no step that follows (RehearsalTest).
     */
    private void rehearse(AdamW optimizer, int epoch, long nextStep) {
        List<int[]> batches = BatchPlan.training(train, effectiveBatchSize(), config.seed(), epoch);
        while (true) {
            List<int[]> micro = new ArrayList<>();
            for (int[] batch : batches) {
                micro.addAll(BatchPlan.micro(batch, microBatchSize));
            }
            try {
                OptimizerStep.rehearse(model, optimizer, train.batch(BatchPlan.largest(train, micro)), memory);
                break;
            } catch (RuntimeException e) {
                shrinkAfter(e, nextStep, optimizer);
            }
        }
        for (EvaluationSet set : dev) {
            Evaluator.rehearse(model, set.data(), config.evalBatchSize());
        }
    }

    private StepMetrics step(AdamW optimizer, int[] indices, double learningRate, long step, long totalSteps, int epoch) {
        long started = System.nanoTime();
        List<Batch> microBatches;
        double loss;
        while (true) {
            // dropout masks as a function of (seed, step): a resumed or retried step draws the same masks
            Engine.getInstance().setRandomSeed((int) (config.seed() * 1_000_003L + step));
            microBatches = BatchPlan.micro(indices, microBatchSize).stream().map(train::batch).toList();
            try {
                loss = OptimizerStep.accumulate(model, microBatches, memory, scaler.scale());
                break;
            } catch (RuntimeException e) {
                shrinkAfter(e, step + 1, optimizer);
            }
        }
        double gradientNorm = optimizer.step(learningRate, config.gradientClip(), scaler);
        boolean skipped = scaler.enabled() && !Double.isFinite(gradientNorm);
        scaler.update(!skipped);
        long realTokens = 0;
        long paddedTokens = 0;
        for (Batch micro : microBatches) {
            int longest = 0;
            for (long[] sequence : micro.tokenIds()) {
                realTokens += sequence.length;
                longest = Math.max(longest, sequence.length);
            }
            paddedTokens += (long) longest * micro.size();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        return new StepMetrics(step + 1, totalSteps, epoch, loss, learningRate, gradientNorm,
                indices.length / seconds, realTokens / seconds, seconds * 1000, indices.length, paddedTokens, skipped);
    }

    /**
     * After a failed forward or backward pass: when the device ran out of memory, frees the step's gradients (its
     * activations went with its step scope) and halves the micro-batch, doubling the micro-batches per step, so the
     * step is retried with the same examples and the same schedule; at a micro-batch of one it gives up. Any other
     * failure is rethrown.
     */
    private void shrinkAfter(RuntimeException failure, long step, AdamW optimizer) {
        if (!DeviceMemory.exhausted(failure)) {
            throw failure;
        }
        optimizer.clearGradients();
        String reason = failure.getMessage() == null ? failure.toString() : failure.getMessage().lines().findFirst().orElse("");
        if (microBatchSize == 1) {
            throw new OutOfDeviceMemoryException("step " + step + " does not fit in device memory even one example at a time"
                    + " (maxLength " + config.maxLength() + ", model " + config.model() + "): " + reason, failure);
        }
        int previous = microBatchSize;
        microBatchSize = (microBatchSize + 1) / 2;
        listener.onMicroBatch(step, previous, microBatchSize, reason);
    }

    private void checkpoint(AdamW optimizer, TrainingState state) {
        runDirectory.ensureLease("the checkpoint of step " + state.step());
        TrainingCheckpoint.save(runDirectory.latestCheckpoint(), model, optimizer, state);
        lastCheckpointNanos = System.nanoTime();
        try {
            runDirectory.commitCheckpoints();
            listener.onCheckpoint(state.step());
        } catch (StoreUnavailableException e) {
            // the store keeps its previous checkpoint; training goes on and the next checkpoint (or the end) commits
            listener.onCheckpointNotCommitted(state.step(), e.getMessage());
        }
    }

    private void saveBest() {
        runDirectory.ensureLease("the best checkpoint");
        try {
            Files.createDirectories(runDirectory.bestCheckpoint());
            AdapterCheckpoint.save(model, runDirectory.bestCheckpoint().resolve("adapter.safetensors"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the best checkpoint: " + e.getMessage(), e);
        }
    }

    private TrainingSummary summary(String outcome, TrainingState state, EvaluationResult last, long examples, double stepSeconds) {
        ParameterCounts counts = model.parameterCounts();
        return new TrainingSummary(config.model(), config.method(), outcome, state.step(), last, task.metric().id(),
                state.bestScore(), state.bestStep(), counts.adapter(), counts.head(), counts.total(),
                state.trainingSeconds(), stepSeconds > 0 ? examples / stepSeconds : 0, train.size(), null, null);
    }
}
