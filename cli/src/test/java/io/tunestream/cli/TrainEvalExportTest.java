package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.tunestream.worker.tensor.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local workflow end to end on the tiny random BERT and real SST-2 files: train, resume, eval, export. */
class TrainEvalExportTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DATA = Path.of(System.getProperty("tunestream.shared.dir", "../../shared"), "data").toString();

    @TempDir
    static Path temp;

    static Path loraRun;

    private static <T> List<T> iterable(java.util.Iterator<T> items) {
        List<T> list = new ArrayList<>();
        items.forEachRemaining(list::add);
        return list;
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    /** Train arguments for a short run; {@code overrides} are option-value pairs that replace the defaults. */
    private static String[] train(String method, Path out, String... overrides) {
        return CliRun.arguments("train", new String[] {"--model", "random:tiny", "--method", method, "--rank", "4",
            "--train-samples", "96", "--batch-size", "16", "--max-steps", "4", "--eval-every", "2", "--lr", "1e-2",
            "--data-dir", DATA, "--out", out.toString()}, overrides).toArray(String[]::new);
    }

    @BeforeAll
    static void trainLora() throws Exception {
        loraRun = temp.resolve("lora");
        CliRun run = run(train("lora", loraRun, "--json-summary", temp.resolve("lora-summary.json").toString()));
        assertEquals(0, run.exitCode(), run.err());
    }

    @Test
    void trainWritesARunDirectoryAndASummary() throws Exception {
        JsonNode summary = JSON.readTree(temp.resolve("lora-summary.json").toFile());
        assertEquals("completed", summary.get("outcome").asText());
        assertEquals(4, summary.get("steps").asLong());
        assertEquals(872, summary.get("finalEvaluation").get("examples").asInt());
        assertEquals("accuracy", summary.get("metric").asText(), "SST-2's primary metric");
        assertTrue(summary.get("bestScore").asDouble() > 0);
        assertEquals(List.of("accuracy", "f1", "macro_f1", "matthews"),
                List.copyOf(iterable(summary.get("finalEvaluation").get("metrics").fieldNames())), "each metric by name");
        for (String file : List.of("config.json", "metrics.jsonl", "summary.json", "checkpoints/latest/state.json",
                "checkpoints/best/adapter.safetensors")) {
            assertTrue(Files.exists(loraRun.resolve(file)), file);
        }
        long evals = Files.readAllLines(loraRun.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"eval\"")).count();
        assertEquals(2, evals, "evaluations at steps 2 and 4");
    }

    /** A finished run run again trains and evaluates nothing: its summary stays byte for byte as it was. */
    @Test
    void theSameCommandAgainLeavesAFinishedRunAsItWas() throws Exception {
        byte[] summary = Files.readAllBytes(loraRun.resolve("summary.json"));
        byte[] metrics = Files.readAllBytes(loraRun.resolve("metrics.jsonl"));
        CliRun again = run(train("lora", loraRun));
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains("completed after 4 steps"), again.out());
        assertTrue(java.util.Arrays.equals(summary, Files.readAllBytes(loraRun.resolve("summary.json"))), "summary.json changed");
        assertTrue(java.util.Arrays.equals(metrics, Files.readAllBytes(loraRun.resolve("metrics.jsonl"))), "metrics.jsonl changed");
    }

    /** report prints the finished runs it is given and names what it skipped: a folder that is no run, an unfinished run. */
    @Test
    void reportSkipsWhatIsNotAFinishedRunAndSaysWhy() throws Exception {
        Path notARun = Files.createDirectories(temp.resolve("demo-20261203"));
        Path unfinished = Files.createDirectories(temp.resolve("unfinished"));
        Files.copy(loraRun.resolve("config.json"), unfinished.resolve("config.json"));
        CliRun report = run("report", loraRun.toString(), notARun.toString(), unfinished.toString());
        assertEquals(0, report.exitCode(), report.err());
        assertEquals(3, report.out().strip().lines().count(), "header, rule and the one finished run:\n" + report.out());
        assertTrue(report.out().contains("| glue-sst2 | lora r=4 |"), report.out());
        assertTrue(report.err().contains("skipped " + notARun + ": not a run directory (no config.json)"), report.err());
        assertTrue(report.err().contains("skipped " + unfinished + ": not finished (no summary.json)"), report.err());
        CliRun none = run("report", notARun.toString());
        assertEquals(2, none.exitCode());
        assertTrue(none.err().contains("no finished runs to report among 1 path(s)"), none.err());
    }

    /** Two seeds of one configuration: the report adds its mean, spread and count (docs/sweeps.md, Repeats). */
    @Test
    void reportTakesTheSeedsOfAConfigurationTogether() throws Exception {
        Path secondSeed = temp.resolve("lora-seed-43");
        assertEquals(0, run(train("lora", secondSeed, "--seed", "43")).exitCode());
        Path page = temp.resolve("html");
        CliRun report = run("report", loraRun.toString(), secondSeed.toString(), "--html", page.toString());
        assertEquals(0, report.exitCode(), report.err());
        String out = report.out();
        assertTrue(out.contains("Configurations over their seeds"), out);
        String row = out.lines().filter(l -> l.startsWith("| glue-sst2 | method=lora | 2 | accuracy |")).findFirst().orElse("");
        assertTrue(row.endsWith(" | best |"), "one configuration of two runs, the best:\n" + out);
        // the page: both runs with their curves from metrics.jsonl, and the configuration over its two seeds
        JsonNode data = ReportPages.data(page.resolve("index.html"));
        assertEquals(Set.of(loraRun.toString(), secondSeed.toString()), Set.copyOf(ReportPages.runs(page.resolve("index.html"))));
        for (JsonNode run : data.path("runs")) {
            long evaluations = Files.readAllLines(Path.of(run.path("run").asText(), "metrics.jsonl")).stream()
                    .filter(l -> l.contains("\"type\":\"eval\"")).count();
            assertEquals(evaluations, run.path("scores").size(), run.toString());
            assertTrue(run.path("losses").size() > 0, run.toString());
            assertEquals(42 + (run.path("run").asText().equals(secondSeed.toString()) ? 1 : 0), run.path("settings").path("seed").asInt());
        }
        assertEquals("method=lora", data.path("configurations").get(0).path("configuration").asText(), data.toString());
        assertEquals(2, data.path("configurations").get(0).path("runs").asInt());
        CliRun single = run("report", loraRun.toString());
        assertTrue(!single.out().contains("Configurations"), "one run is no repeat:\n" + single.out());
    }

    @Test
    void anotherExperimentInTheSameDirectoryIsRefused() {
        CliRun other = run(train("lora", loraRun, "--seed", "9"));
        assertEquals(2, other.exitCode());
        assertTrue(other.err().contains("holds another experiment: its seed (--seed) is 42, not 9"), other.err());
    }

    @Test
    void evalPrintsJsonForAnyLabelledTsv() throws Exception {
        Path tsv = temp.resolve("few.tsv");
        Files.writeString(tsv, "sentence\tlabel\na wonderful film\t1\na dreadful bore\t0\nsolid , if unspectacular\t1\n");
        CliRun eval = run("eval", "--run-dir", loraRun.toString(), "--data", tsv.toString(), "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        JsonNode result = JSON.readTree(eval.out());
        assertEquals(3, result.get("examples").asInt());
        for (String field : List.of("accuracy", "f1", "macro_f1", "matthews", "loss")) {
            assertTrue(result.has(field), field);
        }
        assertEquals("accuracy", result.get("metric").asText());
    }

    /** The hf export loads back through the hf: reader and gives the trained model's logits. */
    @Test
    void huggingFaceExportRoundTripsThroughTheHuggingFaceReader() throws Exception {
        Path export = temp.resolve("export-hf");
        CliRun run = run("export", "--run-dir", loraRun.toString(), "--format", "hf", "--out", export.toString());
        assertEquals(0, run.exitCode(), run.err());
        Set<String> names = Safetensors.read(export.resolve("model.safetensors")).tensors().keySet();
        assertTrue(names.contains("bert.encoder.layer.1.attention.self.query.weight"));
        assertTrue(names.contains("bert.pooler.dense.weight") && names.contains("classifier.bias"));
        assertTrue(names.stream().noneMatch(n -> n.contains("lora")), "adapters are merged away");
        assertEquals("BertForSequenceClassification", JSON.readTree(export.resolve("config.json").toFile()).get("architectures").get(0).asText());
        assertTrue(JSON.readTree(export.resolve("tokenizer.json").toFile()).get("padding").isNull());

        List<long[]> sentences = List.of(new long[] {101, 2307, 3185, 102}, new long[] {101, 2919, 102});
        ModelCatalog catalog = new ModelCatalog();
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel trained = TrainedRun.load(RunDirectory.existing(loraRun), TrainedRun.Checkpoint.BEST,
                        AdapterRegistry.standard(), catalog, manager)) {
            float[] expected = logits(trained.classifier(), manager, sentences);
            PretrainedModel exported = catalog.load("hf:" + export);
            float[] actual = logits(exported.instantiate(manager, 0), manager, sentences);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-5, "logit " + i);
            }
        }
    }

    @Test
    void peftExportUsesPeftNames() throws Exception {
        Path export = temp.resolve("export-peft");
        CliRun run = run("export", "--run-dir", loraRun.toString(), "--format", "peft", "--out", export.toString());
        assertEquals(0, run.exitCode(), run.err());
        Set<String> names = new TreeSet<>(Safetensors.read(export.resolve("adapter_model.safetensors")).tensors().keySet());
        assertTrue(names.contains("base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight"), names.toString());
        assertTrue(names.contains("base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight"));
        assertTrue(names.contains("base_model.model.classifier.weight") && names.contains("base_model.model.bert.pooler.dense.weight"));
        assertEquals(2 * 3 * 2 + 4, names.size(), "A and B for 3 targets in 2 layers, plus pooler and classifier");
        JsonNode config = JSON.readTree(export.resolve("adapter_config.json").toFile());
        assertEquals("LORA", config.get("peft_type").asText());
        assertEquals(4, config.get("r").asInt());
        assertTrue(!config.get("use_dora").asBoolean());
    }

    /**
     * --publish puts the export beside the run (export/FORMAT/ of its directory), byte for byte what --out writes; a
     * run named twice or not at all, or an export going nowhere, is refused before anything is written.
     */
    @Test
    void anExportPublishedBesideTheRunIsTheOneWrittenToOut() throws Exception {
        Path out = temp.resolve("export-published");
        CliRun published = run("export", "--run-dir", loraRun.toString(), "--format", "peft", "--out", out.toString(), "--publish");
        assertEquals(0, published.exitCode(), published.err());
        Path beside = loraRun.resolve("export/peft");
        assertTrue(published.out().contains("published peft export of " + loraRun + " to " + beside.toAbsolutePath()), published.out());
        for (String file : List.of("adapter_config.json", "adapter_model.safetensors")) {
            assertArrayEquals(Files.readAllBytes(out.resolve(file)), Files.readAllBytes(beside.resolve(file)), file);
        }
        CliRun twice = run("export", "--run-dir", loraRun.toString(), "--run", "x", "--checkpoint-store", temp.toString(),
                "--format", "hf", "--publish");
        assertEquals(2, twice.exitCode());
        assertTrue(twice.err().contains("name the run once: --run-dir DIR, or --run RUN with --checkpoint-store STORE"), twice.err());
        CliRun nowhere = run("export", "--run-dir", loraRun.toString(), "--format", "hf");
        assertEquals(2, nowhere.exitCode());
        assertTrue(nowhere.err().contains("say where the export goes: --out DIR, --publish, or both"), nowhere.err());
        CliRun missing = run("export", "--run", "no-such-run", "--checkpoint-store", temp.toString(), "--format", "hf", "--publish");
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("no run 'no-such-run' in " + temp), missing.err());
    }

    @Test
    void peftExportOfAnotherMethodIsRefused() {
        Path run = temp.resolve("salt_edora");
        assertEquals(0, run(train("salt_edora", run, "--max-steps", "2")).exitCode());
        CliRun export = run("export", "--run-dir", run.toString(), "--format", "peft", "--out", temp.resolve("x").toString());
        assertEquals(2, export.exitCode());
        assertTrue(export.err().contains("the peft format holds lora and dora adapters; this run used 'salt_edora'"), export.err());
    }

    @Test
    void badInputGetsOneClearMessage() throws Exception {
        CliRun method = run(train("lorra", temp.resolve("a")));
        assertEquals(2, method.exitCode());
        assertTrue(method.err().contains("unknown method 'lorra'; valid methods: lora, dora"), method.err());
        CliRun rate = run(train("lora", temp.resolve("b"), "--lr", "-1"));
        assertEquals(2, rate.exitCode());
        assertTrue(rate.err().contains("--lr must be a positive number, got -1"), rate.err());
        Path yaml = temp.resolve("bad.yaml");
        Files.writeString(yaml, "method: lora\nlearning_rate: 0.001\n");
        CliRun file = run("train", "--config", yaml.toString(), "--data-dir", DATA);
        assertEquals(2, file.exitCode());
        assertTrue(file.err().contains("unknown field 'learning_rate'; valid fields: model, method, rank"), file.err());
        CliRun data = run(train("lora", temp.resolve("c"), "--data-dir", temp.resolve("nowhere").toString()));
        assertEquals(2, data.exitCode());
        assertTrue(data.err().contains("GLUE SST-2 not found"), data.err());
        assertTrue(Files.notExists(temp.resolve("a")) && Files.notExists(temp.resolve("b")), "nothing is created for a rejected run");
    }

    @Test
    void yamlExperimentFilesWork() throws Exception {
        Path yaml = temp.resolve("experiment.yaml");
        Files.writeString(yaml, "model: random:tiny\nmethod: salt_edora\nrank: 2\ntailMode: polar\nlearningRate: 0.005\n"
                + "batchSize: 16\nmaxSteps: 2\ntrainSamples: 32\n");
        Path out = temp.resolve("from-yaml");
        CliRun run = run("train", "--config", yaml.toString(), "--data-dir", DATA, "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertEquals("polar", config.get("tailMode").asText());
        assertEquals(0.005, config.get("learningRate").asDouble(), 0);
    }

    private static float[] logits(BertClassifier model, NDManager manager, List<long[]> sentences) {
        try (GradMode off = GradMode.disabled(); StepScope scope = StepScope.open(manager, model)) {
            NDList inputs = TokenBatch.of(scope.manager(), sentences);
            return model.forward(scope.store(), inputs, false).singletonOrThrow().toFloatArray();
        }
    }
}
