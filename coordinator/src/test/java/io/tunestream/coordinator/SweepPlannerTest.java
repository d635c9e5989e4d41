package io.tunestream.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tunestream.coordinator.sweep.InvalidSweepException;
import io.tunestream.coordinator.sweep.PlannedRun;
import io.tunestream.coordinator.sweep.Sweep;
import io.tunestream.coordinator.sweep.SweepPlanner;
import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.CheckpointRetention;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.ExportFormat;
import io.tunestream.schemas.StoppingRule;
import io.tunestream.schemas.SweepSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepPlannerTest {

    @TempDir
    Path dir;

    private static final String NOTEBOOK = """
            sweep: notebook
            base:
              model: minilm-l6
              rank: 8
              targets: [query, key, value]
              trainSamples: 2000
            grid:
              method: [lora, dora, salt, salt_edora]
              learningRate: [5e-4, 1.0e-3]
              seed: [42, 43]
            """;

    @Test
    void aGridExpandsIntoEveryCombinationWithTheBaseInEachRequest() throws IOException {
        List<PlannedRun> runs = SweepPlanner.plan(Sweep.read(write("a.yaml", NOTEBOOK)), Instant.EPOCH);
        assertEquals(16, runs.size());
        assertEquals(16, new HashSet<>(runs.stream().map(PlannedRun::runId).toList()).size(), "run ids collide");
        ExperimentRequest first = runs.get(0).request();
        assertEquals("notebook", first.getSweepId());
        assertEquals(AdapterMethodId.lora, first.getMethod());
        assertEquals(8, first.getAdapter().getRank());
        assertEquals(List.of("query", "key", "value"), first.getAdapter().getTargets());
        assertEquals(5e-4, first.getTraining().getLearningRate());
        assertEquals(42L, first.getSeed());
        assertEquals(2000, first.getTraining().getTrainSamples());
        assertTrue(runs.get(0).runId().startsWith("notebook-lora-"), runs.get(0).runId());
        assertEquals(AdapterMethodId.salt_edora, runs.get(15).request().getMethod());
        assertEquals(43L, runs.get(15).request().getSeed());
    }

    /** A sweep can compare tasks: the dataset on the grid gives one run per dataset, each request naming its own. */
    @Test
    void theDatasetCanBeOnTheGrid() throws IOException {
        List<PlannedRun> runs = SweepPlanner.plan(Sweep.read(write("tasks.yaml", """
                sweep: tasks
                base:
                  method: lora
                grid:
                  dataset: [glue-sst2, glue-stsb, support-tickets]
                """)), Instant.EPOCH);
        assertEquals(List.of("glue-sst2", "glue-stsb", "support-tickets"), runs.stream().map(r -> r.request().getDataset()).toList());
        assertEquals(3, runs.stream().map(PlannedRun::runId).distinct().count());
    }

    @Test
    void runIdsDependOnTheSettingsNotOnHowTheyAreWrittenOrWhen() throws IOException {
        List<String> ids = ids(NOTEBOOK);
        assertEquals(ids, SweepPlanner.plan(Sweep.read(write("b.yaml", NOTEBOOK)), Instant.now()).stream().map(PlannedRun::runId).toList());
        String rewritten = NOTEBOOK.replace("5e-4", "0.0005").replace("[query, key, value]", "query,key,value")
                .replace("rank: 8", "rank: 8.0");
        assertEquals(ids, ids(rewritten));
        assertNotEquals(ids, ids(NOTEBOOK.replace("trainSamples: 2000", "trainSamples: 2001")));
        assertNotEquals(ids, ids(NOTEBOOK.replace("sweep: notebook", "sweep: notebook2")), "two sweeps share run ids");
        assertEquals(ids, ids(NOTEBOOK.replace("  rank: 8\n", "  rank: 8\n  priority: 5\n")),
                "priority says how urgently, not what: it must not make new runs");
        assertEquals(ids, ids(NOTEBOOK + "schedule:\n  maxConcurrent: 2\n"));
    }

    @Test
    void theScheduleSectionReachesTheRequestsAndTheSweepsScheduleMessage() throws IOException {
        Sweep sweep = Sweep.read(write("s.yaml", NOTEBOOK.replace("  rank: 8\n", "  rank: 8\n  priority: 3\n") + """
                schedule:
                  maxConcurrent: 2
                  maxTotalSteps: 5000
                  maxAttempts: 5
                  retryBackoffSeconds: 2.5
                  earlyStopping: {rule: ASHA, metric: loss, minSteps: 50, reductionFactor: 3}
                  keepCheckpoints: Best
                  export: [peft, hf]
                """));
        List<PlannedRun> runs = SweepPlanner.plan(sweep, Instant.EPOCH);
        assertEquals(List.of(0, 1, 2), runs.subList(0, 3).stream().map(r -> r.request().getSequence()).toList(), "grid order");
        assertTrue(runs.stream().allMatch(r -> r.request().getMaxAttempts() == 5 && r.request().getPriority() == 3));
        assertTrue(runs.stream().allMatch(r -> r.request().getKeepCheckpoints() == CheckpointRetention.BEST));
        assertTrue(sweep.schedule().describe().contains(" keepCheckpoints=best export=[peft, hf]"), sweep.schedule().describe());
        assertTrue(runs.stream().allMatch(r -> r.request().getExports().equals(List.of(ExportFormat.peft, ExportFormat.hf))));
        SweepSchedule schedule = sweep.schedule().toMessage("notebook", Instant.EPOCH);
        assertEquals(2, schedule.getMaxConcurrent());
        assertEquals(5000L, schedule.getMaxTotalSteps());
        assertEquals(null, schedule.getMaxWallSeconds());
        assertEquals(2.5, schedule.getRetryBackoffSeconds());
        assertEquals(StoppingRule.ASHA, schedule.getEarlyStopping().getRule());
        assertEquals("loss", schedule.getEarlyStopping().getMetric());
        assertEquals(3, schedule.getEarlyStopping().getReductionFactor());
        assertEquals(3, SweepPlanner.plan(Sweep.read(write("d.yaml", NOTEBOOK)), Instant.EPOCH).get(0).request().getMaxAttempts(),
                "three attempts unless the sweep says");
        assertEquals(CheckpointRetention.ALL, SweepPlanner.plan(Sweep.read(write("d.yaml", NOTEBOOK)), Instant.EPOCH).get(0)
                .request().getKeepCheckpoints(), "every checkpoint kept unless the sweep says");
    }

    @Test
    void invalidSweepsAreRefusedNamingTheField() throws IOException {
        assertRefused(NOTEBOOK.replace("rank: 8", "rnak: 8"), "base: unknown field 'rnak'; valid fields: model, dataset, method, rank");
        assertRefused(NOTEBOOK.replace("salt_edora]", "vera]"), "grid.method: unknown method 'vera'; valid methods: lora, dora");
        assertRefused(NOTEBOOK.replace("[5e-4, 1.0e-3]", "[5e-4, -1]"), "grid.learningRate must be a positive number, got -1.0");
        assertRefused(NOTEBOOK.replace("rank: 8", "rank: eight"), "base.rank must be a whole number, got 'eight'");
        assertRefused(NOTEBOOK.replace("seed: [42, 43]", "seed: 42"), "grid.seed must be a non-empty list of values");
        assertRefused(NOTEBOOK.replace("seed: [42, 43]", "seed: [42, 42]"), "grid.seed lists 42 twice");
        assertRefused(NOTEBOOK.replace("  method: [lora, dora, salt, salt_edora]\n", ""), "base.method or grid.method is required");
        assertRefused(NOTEBOOK.replace("sweep: notebook", "sweep: Note Book"), "sweep: the name must be");
        assertRefused(NOTEBOOK + "grids: {}\n", "unknown top-level field 'grids'");
        assertRefused("sweep: one\nbase: {method: lora}\ngrid: {}\n", "grid is empty: list the values of at least one field");
        assertRefused(NOTEBOOK.replace("  rank: 8\n", "  rank: 8\n  seed: 1\n"), "grid.seed is also set in base");
        assertRefused("sweep: [", "is not valid YAML");
        assertRefused(NOTEBOOK + "schedule:\n  maxConcurent: 2\n", "schedule: unknown field 'maxConcurent'; valid fields: maxConcurrent,");
        assertRefused(NOTEBOOK + "schedule:\n  maxConcurrent: 0\n", "schedule.maxConcurrent must be at least 1, got 0");
        assertRefused(NOTEBOOK + "schedule:\n  notify: ftp://hooks/x\n", "schedule.notify must be an http or https URL (https://host/path), got 'ftp://hooks/x'");
        Sweep hooked = Sweep.read(write("hooked.yaml", NOTEBOOK + "schedule:\n  notify: https://hooks.example.com/T0/secret\n"));
        assertEquals("https://hooks.example.com/T0/secret", hooked.schedule().toMessage("notebook", Instant.EPOCH).getNotifyUrl());
        assertTrue(hooked.schedule().describe().endsWith("notify=https://hooks.example.com/..."), "the path, often a secret, is not shown");
        assertRefused(NOTEBOOK + "schedule:\n  export: [hf, onnx]\n", "schedule.export: unknown format 'onnx'; valid formats: hf, peft");
        assertRefused(NOTEBOOK + "schedule:\n  export: hf\n", "schedule.export must be a list of formats, e.g. [hf, peft]");
        assertRefused(NOTEBOOK + "schedule:\n  keepCheckpoints: latest\n",
                "schedule.keepCheckpoints: unknown value 'latest'; valid values: all, best, none");
        assertRefused(NOTEBOOK + "schedule:\n  maxTotalSteps: -5\n", "schedule.maxTotalSteps must be a whole number of at least 1, got -5");
        assertRefused(NOTEBOOK + "schedule:\n  earlyStopping: {rule: hyperband, minSteps: 10}\n",
                "schedule.earlyStopping.rule: unknown rule 'hyperband'; valid rules: asha, median");
        assertRefused(NOTEBOOK + "schedule:\n  earlyStopping: {rule: asha}\n", "schedule.earlyStopping needs rule (asha or median) and minSteps");
        assertRefused(NOTEBOOK + "schedule:\n  earlyStopping: {rule: asha, minSteps: 10, metric: f2}\n",
                "schedule.earlyStopping.metric: unknown metric 'f2'; valid metrics: primary (each task's own), loss, accuracy,"
                        + " f1, macro_f1, matthews, f1_accuracy, pearson, spearman, pearson_spearman");
        assertRefused(NOTEBOOK + "schedule:\n  earlyStopping: {rule: asha, minSteps: 10, reductionFactor: 1}\n",
                "schedule.earlyStopping.reductionFactor must be at least 2, got 1");
        InvalidSweepException missing = assertThrows(InvalidSweepException.class, () -> Sweep.read(dir.resolve("none.yaml")));
        assertTrue(missing.getMessage().endsWith("none.yaml does not exist"), missing.getMessage());
    }

    private void assertRefused(String text, String expected) throws IOException {
        Path file = write("bad.yaml", text);
        InvalidSweepException e = assertThrows(InvalidSweepException.class, () -> SweepPlanner.plan(Sweep.read(file), Instant.EPOCH));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    private List<String> ids(String text) throws IOException {
        return SweepPlanner.plan(Sweep.read(write("s.yaml", text)), Instant.EPOCH).stream().map(PlannedRun::runId).toList();
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }
}
