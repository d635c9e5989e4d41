package io.tunestream.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.run.Experiment;
import io.tunestream.worker.run.Lineage;
import io.tunestream.worker.run.RunDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SST-2 trains exactly as it did before tasks and custom data arrived: the losses of 50 LoRA steps on MiniLM at seed
 * 42 are bit-for-bit those recorded in {@code golden/sst2-lora-seed42-losses.txt}, which came from
 * {@code ./tunestream train --method lora --seed 42 --max-steps 50 --train-samples 1600 --batch-size 32
 * --eval-every 0 --max-length 64} at commit 6f0904e, on the CI machine type (x86-64, MKL shim loaded).
 */
class Sst2GoldenLossTest {

    @Test
    void fiftyLoraStepsOnSst2LoseExactlyWhatTheyLostBefore(@TempDir Path run) throws IOException {
        TrainingConfig requested = new TrainingConfig(null, "lora", null, null, null, null, null, null, 32, null, null, 50,
                null, null, null, 0, null, 64, 1600, null, 42L, null, null, null, null, null);
        List<Double> losses = losses(requested, run);
        List<Double> recorded = recorded();
        assertEquals(50, recorded.size());
        assertEquals(recorded, losses, "the loss of every step, bit for bit");
    }

    /** The loss of every step of {@code requested} trained on the shared SST-2 files into {@code run}. */
    static List<Double> losses(TrainingConfig requested, Path run) {
        Experiment experiment = Experiment.prepare(requested, TestModels.REGISTRY, TestModels.CATALOG,
                new DatasetCatalog(Optional.of(TestModels.sharedData())));
        List<Double> losses = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel model = experiment.buildModel(manager)) {
            new Trainer(model, experiment.config(), experiment.task(), experiment.train(), experiment.dev(),
                    RunDirectory.open(run, experiment.config(), Lineage.of(experiment, "cpu")), new TrainingListener() {
                @Override
                public void onStep(StepMetrics metrics) {
                    losses.add(metrics.loss());
                }
            }).run(() -> false);
        }
        return losses;
    }

    private static List<Double> recorded() throws IOException {
        try (InputStream in = Sst2GoldenLossTest.class.getResourceAsStream("/golden/sst2-lora-seed42-losses.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(Double::valueOf).toList();
        }
    }
}
