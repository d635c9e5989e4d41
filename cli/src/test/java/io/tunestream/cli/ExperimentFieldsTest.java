package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tunestream.coordinator.sweep.InvalidSweepException;
import io.tunestream.coordinator.sweep.PlannedRun;
import io.tunestream.coordinator.sweep.Sweep;
import io.tunestream.coordinator.sweep.SweepPlanner;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.data.LayoutField;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.service.InvalidRequestException;
import io.tunestream.worker.service.RequestMapper;
import io.tunestream.worker.train.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One definition drives every place a field appears (docs/experiment.md). Nothing below names a field: each check runs
 * for every {@link ExperimentField}, so a field added to the definition is in {@code train --help}, is checked in a
 * sweep file with its range, reaches the request a sweep plans, and is checked by the worker's request mapping with
 * its request path as data, or this test fails for it.
 */
class ExperimentFieldsTest {

    private static final String HELP = CliRun.of("train", "--help").out();

    /** A value in range, as a sweep file writes it. */
    private static String valid(ExperimentField field) {
        return switch (field.type()) {
            case TEXT -> field == ExperimentField.DATASET ? "glue-sst2" : field == ExperimentField.TAIL_MODE ? "free"
                    : field == ExperimentField.MODEL ? "random:tiny" : field == ExperimentField.PRECISION ? "fp16" : "x";
            case TEXT_LIST -> "[query]";
            case METHOD -> "lora";
            case INT, LONG -> Long.toString(field.range().map(r -> (long) Math.max(r.min(), 1)).orElse(1L));
            case NUMBER -> "0.5";
        };
    }

    /** A value out of range, or null for a field without one. */
    private static Object outOfRange(ExperimentField field) {
        return field.range().map(r -> switch (field.type()) {
            case INT, LONG -> (Object) ((long) r.min() - 1);
            default -> (Object) (r.minInclusive() ? r.min() - 1 : r.min());
        }).orElse(null);
    }

    @ParameterizedTest
    @EnumSource(ExperimentField.class)
    void everyOptionIsInTheHelpWithItsDefault(ExperimentField field) {
        field.option().ifPresent(option -> {
            assertTrue(HELP.contains(option + "="), option + " missing from:\n" + HELP);
            String firstWords = field.help().split(" ")[0];
            assertTrue(HELP.contains(firstWords), firstWords);
        });
    }

    @ParameterizedTest
    @EnumSource(ExperimentField.class)
    void aSweepChecksTheFieldAndItsValueReachesThePlannedRequest(ExperimentField field, @TempDir Path dir) throws Exception {
        String base = field == ExperimentField.METHOD ? "" : "  method: " + field.onlyFor().map(Enum::name).orElse("lora") + "\n";
        Path sweep = dir.resolve("sweep.yaml");
        Files.writeString(sweep, "sweep: fields\nbase:\n" + base + "  " + field.fieldName() + ": " + valid(field) + "\n");
        List<PlannedRun> runs = SweepPlanner.plan(Sweep.read(sweep), Instant.EPOCH);
        Object expected = field.normalise(ExperimentField.numeric(valid(field).replace("[", "").replace("]", "")), "");
        Object read = field.read(runs.get(0).request());
        assertEquals(expected instanceof Enum<?> e ? e.name() : expected, read, field + " in the planned request");

        Object bad = outOfRange(field);
        if (bad != null) {
            Files.writeString(sweep, "sweep: fields\nbase:\n" + base + "  " + field.fieldName() + ": " + bad + "\n");
            String message = assertThrows(InvalidSweepException.class, () -> Sweep.read(sweep)).getMessage();
            assertTrue(message.startsWith("base." + field.fieldName() + " must be"), message);
        }
    }

    @ParameterizedTest
    @EnumSource(ExperimentField.class)
    void theWorkerRefusesAnOutOfRangeValueNamingTheRequestField(ExperimentField field) throws Exception {
        Object bad = outOfRange(field);
        if (bad == null) {
            return;
        }
        ExperimentRequest request = SweepPlanner.plan(Sweep.read(writeSweep("  method: lora\n  model: random:tiny\n")),
                Instant.EPOCH).get(0).request();
        field.apply(request, switch (field.type()) {
            case INT -> (Object) ((Number) bad).intValue();
            case LONG -> (Object) ((Number) bad).longValue();
            default -> (Object) ((Number) bad).doubleValue();
        });
        RequestMapper mapper = new RequestMapper(AdapterRegistry.standard(), new ModelCatalog(), new DatasetCatalog(Optional.empty()));
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> mapper.resolve(request));
        assertEquals(field.requestPath(), e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(field.fieldName() + " must be"), e.getMessage());
    }

    /** An option of one method (salt_edora's tail mode) lives with it: other methods' runs leave it out, or refuse it. */
    @Test
    void anOptionOfOneMethodGoesOnlyToThatMethodsRuns(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tails.yaml");
        Files.writeString(file, "sweep: tails\nbase:\n  model: random:tiny\ngrid:\n  method: [lora, salt_edora]\n  tailMode: [free, polar]\n");
        List<ExperimentRequest> requests = SweepPlanner.plan(Sweep.read(file), Instant.EPOCH).stream().map(PlannedRun::request).toList();
        assertEquals(List.of("lora", "salt_edora", "salt_edora"), requests.stream().map(r -> r.getMethod().name()).toList(),
                "one lora run, not one per tail mode");
        assertEquals(java.util.Arrays.asList(null, "free", "polar"), requests.stream().map(r -> r.getAdapter().getTailMode()).toList());

        ExperimentRequest lora = requests.get(0);
        lora.getAdapter().setTailMode("polar");
        RequestMapper mapper = new RequestMapper(AdapterRegistry.standard(), new ModelCatalog(), new DatasetCatalog(Optional.empty()));
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> mapper.resolve(lora));
        assertEquals("adapter.tailMode", e.field());
        assertEquals("tailMode is an option of salt_edora only; method 'lora' has none", e.getMessage());
        CliRun train = CliRun.of("train", "--method", "lora", "--tail-mode", "polar", "--model", "random:tiny",
                "--out", dir.resolve("run").toString());
        assertEquals(2, train.exitCode());
        assertTrue(train.err().contains("tailMode is an option of salt_edora only; method 'lora' has none"), train.err());
    }

    /**
     * The trainer reads an experiment as a {@link TrainingConfig}, whose components are the fields that {@code train}
     * takes, by name: a field added to the definition with a train option fails here until the config carries it,
     * and the fields without one (priority, maxWallSeconds) stay the coordinator's and the request's.
     */
    @ParameterizedTest
    @EnumSource(ExperimentField.class)
    void everyTrainOptionIsAFieldOfTheConfigTheTrainerReads(ExperimentField field) {
        boolean component = java.util.Arrays.stream(TrainingConfig.class.getRecordComponents())
                .anyMatch(c -> c.getName().equals(field.fieldName()));
        assertEquals(field.option().isPresent(), component, field.fieldName());
    }

    /** The data layout's fields are defined once too: options of train (all) and eval (a file's shape), and docs/tasks.md's table. */
    @ParameterizedTest
    @EnumSource(LayoutField.class)
    void everyLayoutFieldIsAnOptionOfTrainAndTheFileShapedOnesOfEval(LayoutField field) {
        assertTrue(HELP.contains(field.option() + "="), field.option() + " missing from train's help");
        String eval = CliRun.of("eval", "--help").out();
        assertEquals(field.describesFile(), eval.contains(field.option() + "="), field.option() + " in eval's help:\n" + eval);
    }

    @Test
    void theDocsLayoutTableIsTheDefinitions() throws Exception {
        String doc = Files.readString(Path.of("../docs/tasks.md"));
        assertTrue(doc.contains(LayoutField.markdownTable()),
                "docs/tasks.md's layout table differs from the definitions; it should read:\n" + LayoutField.markdownTable());
    }

    @Test
    void theDocsFieldTableIsTheDefinitions() throws Exception {
        String doc = Files.readString(Path.of("../docs/experiment.md"));
        assertTrue(doc.contains(ExperimentField.markdownTable()),
                "docs/experiment.md's field table differs from the definitions; it should read:\n" + ExperimentField.markdownTable());
    }

    private static Path writeSweep(String base) throws Exception {
        Path file = Files.createTempFile("sweep", ".yaml");
        Files.writeString(file, "sweep: fields\nbase:\n" + base);
        file.toFile().deleteOnExit();
        return file;
    }
}
