package io.tunestream.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.run.Experiment;
import io.tunestream.worker.run.Lineage;
import io.tunestream.worker.run.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Stop-and-resume exactness on real SST-2 sentences, with every dropout active. */
class TrainerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static TrainingConfig config(String method, String tailMode) {
        return config(method, tailMode, 8, 1);
    }

    /** 40 examples, two epochs, in batches of {@code batchSize} x {@code gradAccum}. */
    private static TrainingConfig config(String method, String tailMode, int batchSize, int gradAccum) {
        return new TrainingConfig("random:tiny", method, 4, null, 0.1, null, method.equals("salt_edora") ? tailMode : null, 5e-3,
                batchSize, gradAccum, 2, 0, 0.2, 0.01, 1.0, 7, 0, 32, 40, 64, 3L, null, null, null, null, null);
    }

    /**
     * A run stopped after step {@code stopAt} and resumed in a fresh model reproduces the uninterrupted run's loss at
     * every following step within 1e-5, across an epoch boundary (5 batches per epoch) and an evaluation (every 7).
     */
    @ParameterizedTest(name = "{0} {1} stopped after step {2}")
    @CsvSource({"lora, free, 3", "lora, free, 7", "salt_edora, polar, 4", "dora, free, 6", "full, free, 2"})
    void resumedRunReproducesTheUninterruptedLoss(String method, String tailMode, int stopAt, @TempDir Path temp) throws Exception {
        Experiment experiment = Experiment.prepare(config(method, tailMode), TestModels.REGISTRY, TestModels.CATALOG,
                new DatasetCatalog(Optional.of(TestModels.sharedData())));
        List<Double> uninterrupted = train(experiment, temp.resolve("whole"), Long.MAX_VALUE);
        assertEquals(10, uninterrupted.size(), "2 epochs of 5 batches");

        Path interrupted = temp.resolve("interrupted");
        List<Double> firstPart = train(experiment, interrupted, stopAt);
        assertEquals(stopAt, firstPart.size());
        List<Double> resumed = train(experiment, interrupted, Long.MAX_VALUE);
        for (int i = 0; i < uninterrupted.size(); i++) {
            assertEquals(uninterrupted.get(i), resumed.get(i), 1e-5, method + ": loss at step " + (i + 1));
        }
        assertTrue(uninterrupted.stream().distinct().count() > 5, "losses vary from step to step");
    }

    /**
     * With gradient accumulation (two micro-batches of 4 per step) the run takes the optimizer steps of batches of 8, and
     * a run stopped after step 3 and resumed reproduces the uninterrupted one.
     */
    @org.junit.jupiter.api.Test
    void withGradientAccumulationTheScheduleCountsOptimizerStepsAndResumeStaysExact(@TempDir Path temp) throws Exception {
        Experiment experiment = Experiment.prepare(config("lora", null, 4, 2), TestModels.REGISTRY, TestModels.CATALOG,
                new DatasetCatalog(Optional.of(TestModels.sharedData())));
        List<Double> uninterrupted = train(experiment, temp.resolve("whole"), Long.MAX_VALUE);
        assertEquals(10, uninterrupted.size(), "2 epochs of 5 steps of 2 x 4 examples");
        Path interrupted = temp.resolve("interrupted");
        assertEquals(3, train(experiment, interrupted, 3).size());
        List<Double> resumed = train(experiment, interrupted, Long.MAX_VALUE);
        for (int i = 0; i < uninterrupted.size(); i++) {
            assertEquals(uninterrupted.get(i), resumed.get(i), 1e-5, "loss at step " + (i + 1));
        }
    }

    /**
     * In fp16 a run stopped after step 3 and resumed reproduces the uninterrupted one exactly, its checkpoint carrying
     * the loss scaler's position (docs/worker.md#precision).
     */
    @org.junit.jupiter.api.Test
    void inFp16AResumedRunReproducesTheUninterruptedOneWithItsLossScale(@TempDir Path temp) throws Exception {
        TrainingConfig base = config("lora", null);
        TrainingConfig fp16 = new TrainingConfig(base.model(), base.method(), base.rank(), base.alpha(), base.dropout(),
                base.targets(), base.tailMode(), base.learningRate(), base.batchSize(), base.gradAccum(), base.epochs(),
                base.maxSteps(), base.warmupRatio(), base.weightDecay(), base.gradientClip(), base.evalEvery(),
                base.checkpointEvery(), base.maxLength(), base.trainSamples(), base.evalBatchSize(), base.seed(), null, null,
                null, null, "fp16");
        Experiment experiment = Experiment.prepare(fp16, TestModels.REGISTRY, TestModels.CATALOG,
                new DatasetCatalog(Optional.of(TestModels.sharedData())));
        List<Double> uninterrupted = train(experiment, temp.resolve("whole"), Long.MAX_VALUE);
        Path interrupted = temp.resolve("interrupted");
        assertEquals(3, train(experiment, interrupted, 3).size());
        JsonNode state = JSON.readTree(interrupted.resolve("checkpoints/latest/state.json").toFile());
        assertEquals(LossScaler.INITIAL_SCALE, state.get("lossScale").asDouble(), "the loss scale is checkpointed");
        assertEquals(3, state.get("finiteSteps").asInt(), "and the steps since it last changed");
        List<Double> resumed = train(experiment, interrupted, Long.MAX_VALUE);
        assertEquals(uninterrupted, resumed, "fp16 losses after resume");
        List<Double> single = train(Experiment.prepare(base, TestModels.REGISTRY, TestModels.CATALOG,
                new DatasetCatalog(Optional.of(TestModels.sharedData()))), temp.resolve("fp32"), Long.MAX_VALUE);
        for (int i = 0; i < single.size(); i++) {
            assertEquals(single.get(i), uninterrupted.get(i), 2e-2, "fp16 against fp32, loss at step " + (i + 1));
        }
    }

    /**
     * A run killed (no graceful stop, no checkpoint of its own) after its checkpoint interval but before any evaluation
     * resumes from the checkpoint that interval wrote, not from step 0, and goes on exactly as the uninterrupted run.
     */
    @org.junit.jupiter.api.Test
    void aRunKilledBeforeItsFirstEvaluationResumesFromItsTimedCheckpoint(@TempDir Path temp) throws Exception {
        Experiment experiment = Experiment.prepare(config("lora", null), TestModels.REGISTRY, TestModels.CATALOG,
                new DatasetCatalog(Optional.of(TestModels.sharedData())));
        List<Double> uninterrupted = train(experiment, temp.resolve("whole"), Long.MAX_VALUE);
        Path killed = temp.resolve("killed");
        RunDirectory runDirectory = RunDirectory.open(killed, experiment.config(), Lineage.of(experiment, "cpu"));
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel model = experiment.buildModel(manager)) {
            Trainer trainer = new Trainer(model, experiment.config(), experiment.task(), experiment.train(), experiment.dev(),
                    runDirectory, new TrainingListener() {
                        @Override
                        public void onStep(StepMetrics metrics) {
                            if (metrics.step() == 4) {
                                throw new IllegalStateException("killed at step 4");
                            }
                        }
                    }).checkpointingEvery(java.time.Duration.ofNanos(1));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> trainer.run(() -> false));
        }
        AtomicLong resumedAt = new AtomicLong(-1);
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel model = experiment.buildModel(manager)) {
            new Trainer(model, experiment.config(), experiment.task(), experiment.train(), experiment.dev(), runDirectory,
                    new TrainingListener() {
                        @Override
                        public void onStart(long startStep, long totalSteps, int trainExamples) {
                            resumedAt.set(startStep);
                        }
                    }).run(() -> false);
        }
        assertEquals(3, resumedAt.get(), "resumed from the checkpoint written after step 3 (no evaluation came before)");
        List<Double> resumed = new ArrayList<>();
        for (String line : Files.readAllLines(runDirectory.metricsFile())) {
            JsonNode node = JSON.readTree(line);
            if (node.get("type").asText().equals("step")) {
                resumed.add(node.get("loss").asDouble());
            }
        }
        assertEquals(uninterrupted.size(), resumed.size());
        for (int i = 0; i < uninterrupted.size(); i++) {
            assertEquals(uninterrupted.get(i), resumed.get(i), 1e-5, "loss at step " + (i + 1));
        }
    }

    /** Trains until {@code stopAfter} steps are done (or the end); returns the loss of every logged step so far. */
    private static List<Double> train(Experiment experiment, Path runPath, long stopAfter) throws Exception {
        RunDirectory runDirectory = RunDirectory.open(runPath, experiment.config(), Lineage.of(experiment, "cpu"));
        AtomicLong lastStep = new AtomicLong();
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel model = experiment.buildModel(manager)) {
            Trainer trainer = new Trainer(model, experiment.config(), experiment.task(), experiment.train(), experiment.dev(), runDirectory,
                    new TrainingListener() {
                        @Override
                        public void onStep(StepMetrics metrics) {
                            lastStep.set(metrics.step());
                        }
                    });
            trainer.run(() -> lastStep.get() >= stopAfter);
        }
        List<Double> losses = new ArrayList<>();
        for (String line : Files.readAllLines(runDirectory.metricsFile())) {
            JsonNode node = JSON.readTree(line);
            if (node.get("type").asText().equals("step")) {
                assertEquals(losses.size() + 1, node.get("step").asLong(), "each step logged once, in order");
                losses.add(node.get("loss").asDouble());
            }
        }
        return losses;
    }
}
