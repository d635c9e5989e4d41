package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.model.BertClassifier;
import io.tunestream.worker.model.GradMode;
import io.tunestream.worker.model.PretrainedModel;
import io.tunestream.worker.model.StepScope;
import io.tunestream.worker.model.TokenBatch;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.run.RunDirectory;
import io.tunestream.worker.run.TrainedRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks through the CLI on the real model (docs/tasks.md): STS-B regression from CSV and 3-label sentence-pair
 * classification from JSON Lines with string labels; eval with the run's layout; HF exports that carry the task and
 * reload to the same predictions.
 */
class TaskCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path STSB = Path.of(System.getProperty("tunestream.shared.dir", "../../shared"), "data", "stsb-resplit");

    @TempDir
    static Path temp;

    static Path regressionRun;
    static Path bandsRun;

    /** The first {@code rows} STS-B pairs of {@code split} as (sentence1, sentence2, score). */
    private static List<String[]> stsb(String split, int rows) throws IOException {
        List<String[]> pairs = new ArrayList<>();
        try (var parser = org.apache.commons.csv.CSVParser.builder().setReader(Files.newBufferedReader(STSB.resolve(split + ".csv")))
                .setFormat(org.apache.commons.csv.CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()).get()) {
            for (var record : parser) {
                if (pairs.size() == rows) {
                    break;
                }
                pairs.add(new String[] {record.get("sentence1"), record.get("sentence2"), record.get("score")});
            }
        }
        return pairs;
    }

    private static String band(String score) {
        double value = Double.parseDouble(score);
        return value < 5.0 / 3 ? "low" : value < 10.0 / 3 ? "mid" : "high";
    }

    /** JSON Lines with other column names and string labels: premise, hypothesis, band. */
    private static Path bandsJsonl(String split, int rows) throws IOException {
        Path file = temp.resolve("bands-" + split + ".jsonl");
        List<String> lines = new ArrayList<>();
        for (String[] pair : stsb(split, rows)) {
            lines.add(JSON.createObjectNode().put("premise", pair[0]).put("hypothesis", pair[1]).put("band", band(pair[2])).toString());
        }
        Files.write(file, lines);
        return file;
    }

    private static Path scoresCsv(String split, int rows) throws IOException {
        Path file = temp.resolve("scores-" + split + ".csv");
        StringBuilder csv = new StringBuilder("sentence1,sentence2,score\n");
        for (String[] pair : stsb(split, rows)) {
            csv.append(quote(pair[0])).append(',').append(quote(pair[1])).append(',').append(pair[2]).append('\n');
        }
        Files.writeString(file, csv);
        return file;
    }

    private static String quote(String text) {
        return "\"" + text.replace("\"", "\"\"") + "\"";
    }

    private static String[] train(Path out, Path trainFile, Path devFile, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--model", "minilm-l6", "--method", "lora", "--rank", "8",
                "--max-steps", "60", "--batch-size", "16", "--lr", "2e-3", "--eval-every", "30", "--max-length", "64",
                "--train-file", trainFile.toString(), "--dev-file", devFile.toString(), "--out", out.toString(),
                "--json-summary", out.resolveSibling(out.getFileName() + "-summary.json").toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @BeforeAll
    static void trainBoth() throws Exception {
        regressionRun = temp.resolve("regression");
        CliRun regression = CliRun.of(train(regressionRun, scoresCsv("train", 960), scoresCsv("dev", 300),
                "--text-columns", "sentence1,sentence2", "--label-column", "score"));
        assertEquals(0, regression.exitCode(), regression.err());
        bandsRun = temp.resolve("bands");
        CliRun bands = CliRun.of(train(bandsRun, bandsJsonl("train", 960), bandsJsonl("dev", 300),
                "--text-columns", "premise,hypothesis", "--label-column", "band"));
        assertEquals(0, bands.exitCode(), bands.err());
    }

    private static JsonNode summary(Path run) throws IOException {
        return JSON.readTree(run.resolveSibling(run.getFileName() + "-summary.json").toFile());
    }

    @Test
    void regressionOnPairsLearns() throws Exception {
        JsonNode summary = summary(regressionRun);
        assertEquals("pearson_spearman", summary.get("metric").asText(), "inferred from real-valued targets");
        JsonNode metrics = summary.get("finalEvaluation").get("metrics");
        assertEquals(List.of("pearson", "spearman", "pearson_spearman"), names(metrics));
        assertTrue(summary.get("bestScore").asDouble() > 0.3, "does not beat chance (0): " + summary);
        assertFalling(regressionRun);
        JsonNode layout = JSON.readTree(regressionRun.resolve("config.json").toFile()).get("layout");
        assertEquals("regression", layout.get("task").asText(), "the run records its task");
    }

    @Test
    void threeLabelPairClassificationLearnsWithStringLabelsInARecordedOrder() throws Exception {
        JsonNode summary = summary(bandsRun);
        assertEquals("accuracy", summary.get("metric").asText());
        JsonNode metrics = summary.get("finalEvaluation").get("metrics");
        assertEquals(List.of("accuracy", "macro_f1", "matthews"), names(metrics));
        List<String> labels = stsb("dev", 300).stream().map(p -> band(p[2])).toList();
        double majority = labels.stream().collect(Collectors.groupingBy(l -> l, Collectors.counting())).values().stream()
                .mapToLong(Long::longValue).max().orElseThrow() / 300.0;
        assertTrue(metrics.get("accuracy").asDouble() > majority + 0.05, "accuracy " + metrics + " vs majority " + majority);
        assertTrue(metrics.get("matthews").asDouble() > 0.1, metrics.toString());
        assertFalling(bandsRun);
        JsonNode layout = JSON.readTree(bandsRun.resolve("config.json").toFile()).get("layout");
        assertEquals(List.of("high", "low", "mid"), names(layout.get("labels")), "sorted and recorded");
    }

    @Test
    void evalReadsAFileWithTheRunsLayoutOrNamedColumnsAndRefusesOneTextForAPairRun() throws Exception {
        CliRun eval = CliRun.of("eval", "--run-dir", bandsRun.toString(), "--data", bandsJsonl("dev", 40).toString(), "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        JsonNode result = JSON.readTree(eval.out());
        assertEquals(40, result.get("examples").asInt());
        assertEquals("accuracy", result.get("metric").asText());
        assertTrue(result.has("matthews") && result.has("macro_f1") && !result.has("f1"), result.toString());

        CliRun renamed = CliRun.of("eval", "--run-dir", regressionRun.toString(), "--data", bandsJsonl("dev", 10).toString(),
                "--text-columns", "premise,hypothesis", "--label-column", "band");
        assertEquals(2, renamed.exitCode(), "bands are not numbers");
        assertTrue(renamed.err().contains(":1: column 'band': regression target '") && renamed.err().contains("' is not a number"),
                renamed.err());

        CliRun single = CliRun.of("eval", "--run-dir", bandsRun.toString(), "--data", bandsJsonl("dev", 10).toString(),
                "--text-columns", "premise");
        assertEquals(2, single.exitCode());
        assertTrue(single.err().contains("the run trained on sentence pairs ([premise, hypothesis]); --text-columns premise"
                + " names 1 column(s), so give 2"), single.err());
    }

    @Test
    void huggingFaceExportsCarryTheTaskAndReloadToTheSamePredictions() throws Exception {
        Path regressionExport = export(regressionRun);
        JsonNode regression = JSON.readTree(regressionExport.resolve("config.json").toFile());
        assertEquals("regression", regression.get("problem_type").asText());
        assertEquals(1, regression.get("num_labels").asInt());
        assertEquals("LABEL_0", regression.get("id2label").get("0").asText());

        Path bandsExport = export(bandsRun);
        JsonNode bands = JSON.readTree(bandsExport.resolve("config.json").toFile());
        assertEquals("single_label_classification", bands.get("problem_type").asText());
        assertEquals(3, bands.get("num_labels").asInt());
        assertEquals("high", bands.get("id2label").get("0").asText());
        assertEquals(2, bands.get("label2id").get("mid").asInt());

        for (Path[] pair : new Path[][] {{regressionRun, regressionExport}, {bandsRun, bandsExport}}) {
            ModelCatalog catalog = new ModelCatalog();
            try (NDManager manager = NDManager.newBaseManager();
                    AdaptedModel trained = TrainedRun.load(RunDirectory.existing(pair[0]), TrainedRun.Checkpoint.BEST,
                            AdapterRegistry.standard(), catalog, manager);
                    HuggingFaceTokenizer tokenizer = catalog.load("minilm-l6").tokenizer().orElseThrow().tokenizer(64)) {
                Encoding[] encoded = tokenizer.batchEncode(new ai.djl.util.PairList<>(
                        List.of("A man is playing a guitar.", "Two dogs run."), List.of("A man plays guitar.", "A cat sleeps on a sofa.")));
                List<long[]> ids = List.of(encoded[0].getIds(), encoded[1].getIds());
                List<long[]> types = List.of(encoded[0].getTypeIds(), encoded[1].getTypeIds());
                assertTrue(types.get(0)[types.get(0).length - 1] == 1, "the second text has token type 1");
                float[] expected = outputs(trained.classifier(), manager, ids, types);
                PretrainedModel exported = catalog.load("hf:" + pair[1]);
                assertEquals(expected.length / 2, exported.config().labelCount(), "the head size comes back from config.json");
                float[] actual = outputs(exported.instantiate(manager, 0), manager, ids, types);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], 1e-4, pair[0].getFileName() + " output " + i);
                }
            }
        }
    }

    private static Path export(Path run) {
        Path out = temp.resolve(run.getFileName() + "-hf");
        CliRun export = CliRun.of("export", "--run-dir", run.toString(), "--format", "hf", "--out", out.toString());
        assertEquals(0, export.exitCode(), export.err());
        return out;
    }

    private static float[] outputs(BertClassifier model, NDManager manager, List<long[]> ids, List<long[]> types) {
        try (GradMode off = GradMode.disabled(); StepScope scope = StepScope.open(manager, model)) {
            NDList inputs = TokenBatch.of(scope.manager(), ids, types);
            return model.forward(scope.store(), inputs, false).singletonOrThrow().toFloatArray();
        }
    }

    private static void assertFalling(Path run) throws IOException {
        List<Double> losses = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode node = JSON.readTree(line);
            if (node.get("type").asText().equals("step")) {
                losses.add(node.get("loss").asDouble());
            }
        }
        assertEquals(60, losses.size());
        double first = losses.subList(0, 10).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = losses.subList(50, 60).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertTrue(last < first, run.getFileName() + ": loss went from " + first + " to " + last);
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> names.add(n.asText()));
        } else {
            node.fieldNames().forEachRemaining(names::add);
        }
        return names;
    }
}
