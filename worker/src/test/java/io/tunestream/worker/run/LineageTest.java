package io.tunestream.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.train.Trainer;
import io.tunestream.worker.train.TrainingConfig;
import io.tunestream.worker.train.TrainingListener;
import io.tunestream.worker.train.TrainingSummary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's lineage (docs/worker.md, "Lineage") tells apart what a config alone cannot: the same request over other data
 * files or other weights. The digests are checked against their documented definitions, computed here independently.
 */
class LineageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code rows} SST-2-like rows; {@code flip} changes one label, so two files differ in one byte. */
    private static Path table(Path file, int rows, boolean flip) throws Exception {
        List<String> lines = new ArrayList<>(List.of("sentence\tlabel"));
        for (int i = 0; i < rows; i++) {
            int label = i % 2 == 0 ? 1 : 0;
            lines.add((label == 1 ? "a fine and moving film " : "a dull and tiresome film ") + i + "\t"
                    + (flip && i == 0 ? 1 - label : label));
        }
        Files.createDirectories(file.getParent());
        return Files.write(file, lines);
    }

    private static TrainingConfig request(String model, Path train, Path dev) {
        return new TrainingConfig(model, "lora", 4, null, null, null, null, null, 4, null, null, 4, null, null, null, 2,
                null, 16, null, null, 3L, null, train.toString(), dev.toString(), null, null);
    }

    private static Experiment prepare(TrainingConfig config) {
        return Experiment.prepare(config, TestModels.REGISTRY, TestModels.CATALOG, new DatasetCatalog(Optional.empty()));
    }

    @Test
    void theSameRequestOnOtherDataFilesOrOtherWeightsIsToldApart(@TempDir Path temp) throws Exception {
        Path dev = table(temp.resolve("dev.tsv"), 8, false);
        Path train = table(temp.resolve("a/train.tsv"), 16, false);
        Path otherTrain = table(temp.resolve("b/train.tsv"), 16, true);
        Path sameTrainElsewhere = Files.copy(train, Files.createDirectories(temp.resolve("c")).resolve("copy.tsv"));

        Lineage first = Lineage.of(prepare(request("random:tiny@1", train, dev)), "cpu");
        Lineage otherData = Lineage.of(prepare(request("random:tiny@1", otherTrain, dev)), "cpu");
        Lineage moved = Lineage.of(prepare(request("random:tiny@1", sameTrainElsewhere, dev)), "cpu");
        Lineage otherWeights = Lineage.of(prepare(request("random:tiny@2", train, dev)), "cpu");

        assertEquals(TestModels.datasetSha256(train, List.of(dev)), first.dataset().sha256());
        assertEquals(List.of(train.toString(), dev.toString()), first.dataset().files());
        assertEquals("files", first.dataset().name());
        assertNotEquals(first.dataset().sha256(), otherData.dataset().sha256(), "one flipped label is other data");
        assertEquals(first.dataset().sha256(), moved.dataset().sha256(), "the same bytes elsewhere are the same data");
        assertEquals(first.model().weightsSha256(), otherData.model().weightsSha256());
        assertNotEquals(first.model().weightsSha256(), otherWeights.model().weightsSha256(), "another seed, other weights");
        assertEquals("random:tiny@1", first.model().reference());
        assertEquals("generated", first.model().source());
        assertEquals(Build.id(), first.build());
        assertTrue(Build.id().startsWith("0.") && !Build.id().equals("unknown"), "Maven filled in the build: " + Build.id());
        assertEquals("cpu", first.device());
        assertEquals("fp32", first.precision());
        assertTrue(first.conflictsWith(moved).isEmpty());
        assertEquals(1, first.conflictsWith(otherData).size(), first.conflictsWith(otherData).toString());
        assertEquals(1, first.conflictsWith(otherWeights).size(), first.conflictsWith(otherWeights).toString());
    }

    /**
     * The config and summary a run writes hold its lineage; its config still reads back as the experiment; a resume
     * over data that changed in place is refused, naming both digests, and leaves the run as it was.
     */
    @Test
    void aRunRecordsItsLineageAndRefusesToResumeOnDataThatChanged(@TempDir Path temp) throws Exception {
        Path dev = table(temp.resolve("dev.tsv"), 8, false);
        Path train = table(temp.resolve("train.tsv"), 16, false);
        Experiment experiment = prepare(request("random:tiny@1", train, dev));
        Lineage lineage = Lineage.of(experiment, "cpu");
        Path run = temp.resolve("run");
        RunDirectory directory = RunDirectory.open(run, experiment.config(), lineage);
        TrainingSummary summary;
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel model = experiment.buildModel(manager)) {
            summary = new Trainer(model, experiment.config(), experiment.task(), experiment.train(), experiment.dev(),
                    directory, new TrainingListener() {}).run(() -> false);
        }
        assertEquals(4, summary.steps());

        JsonNode config = JSON.readTree(run.resolve("config.json").toFile());
        JsonNode written = JSON.readTree(run.resolve("summary.json").toFile());
        for (JsonNode recorded : List.of(config.get("lineage"), written.get("lineage"))) {
            assertEquals(lineage, JSON.treeToValue(recorded, Lineage.class));
        }
        assertEquals(experiment.config(), RunDirectory.existing(run).config(), "the lineage is not part of the experiment");
        assertEquals(experiment.config(), JSON.treeToValue(written.get("experiment"), TrainingConfig.class),
                "the summary holds the resolved experiment");
        assertTrue(RunDirectory.existing(run).completedSummary().isPresent());

        table(train, 16, true);
        Lineage changed = Lineage.of(prepare(request("random:tiny@1", train, dev)), "cpu");
        byte[] before = Files.readAllBytes(run.resolve("config.json"));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> RunDirectory.open(run, experiment.config(), changed));
        assertTrue(refused.getMessage().contains(lineage.dataset().sha256())
                && refused.getMessage().contains(changed.dataset().sha256()), refused.getMessage());
        assertFalse(refused.getMessage().contains("weights"), "only the data changed: " + refused.getMessage());
        assertEquals(new String(before, StandardCharsets.UTF_8),
                new String(Files.readAllBytes(run.resolve("config.json")), StandardCharsets.UTF_8));
    }
}
