package io.tunestream.worker.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.IoErrors;
import io.tunestream.worker.data.GlueTask;
import io.tunestream.worker.store.DirectoryStore;
import io.tunestream.worker.store.RunStore;
import io.tunestream.worker.store.StoreUnavailableException;
import io.tunestream.worker.train.EvalMetrics;
import io.tunestream.worker.train.StepMetrics;
import io.tunestream.worker.train.TrainingConfig;
import io.tunestream.worker.train.TrainingListener;
import io.tunestream.worker.train.TrainingSummary;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's files:
 *
 * <pre>
 * config.json              the resolved experiment, and its {@link Lineage} as "lineage"
 * metrics.jsonl            one JSON object per training step ("type": "step") and per evaluation ("type": "eval")
 * checkpoints/latest/      resumable: trainable parameters, optimizer moments, state
 * checkpoints/best/        the trainable parameters at the best value of the task's primary metric
 * summary.json             the outcome, once the run ends, with the experiment and the lineage of the attempt that ended it
 * attempt                  the attempt that owns the directory, for runs taken from the queue
 * </pre>
 *
 * The directory is the working copy of the run's files in a {@link RunStore}: for a directory store, the store
 * itself; for an object store, a local directory committed to it at each checkpoint and at the end. Opening an
 * existing run with a different config, or with other weights or data than it started from, is refused, so a resume
 * never mixes two experiments. Every write first asks
 * the directory's {@link RunLease}, so an attempt that a newer one superseded writes nothing.
 */
public final class RunDirectory implements TrainingListener {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a commit during training may wait for the store: after it, training goes on and the next one tries. */
    public static final Duration TRAINING_PATIENCE = Duration.ofSeconds(5);
    /** How long the start and the end of an attempt may wait for the store (the run fails after it, and is retried). */
    public static final Duration ENDING_PATIENCE = Duration.ofSeconds(20);

    private static final String LINEAGE = "lineage";

    private final Path root;
    private final RunStore store;
    private final RunLease lease;
    /** This attempt's lineage; null for a run opened only to be read. */
    private final Lineage lineage;
    private boolean uncommitted;

    private RunDirectory(RunStore store, RunLease lease, Lineage lineage) {
        this.root = store.workingDirectory();
        this.store = store;
        this.lease = lease;
        this.lineage = lineage;
    }

    /** Creates the directory for {@code config}, or reopens it if it holds the same config and data; its only writer. */
    public static RunDirectory open(Path root, TrainingConfig config, Lineage lineage) {
        return open(DirectoryStore.runAt(root), config, lineage, RunLease.SOLE);
    }

    /**
     * The run's files as {@code store} last committed them, for {@code config} trained as {@code lineage} says, written
     * only while {@code lease} is held.
     *
     * @throws IllegalArgumentException when the run's recorded config is another experiment, or it started from other
     *     weights or data
     * @throws StoreUnavailableException when the store cannot be read or written within {@link #ENDING_PATIENCE}
     */
    public static RunDirectory open(RunStore store, TrainingConfig config, Lineage lineage, RunLease lease) {
        Path root = store.workingDirectory();
        store.restore(ENDING_PATIENCE);
        try {
            Files.createDirectories(root);
            Path configFile = root.resolve("config.json");
            if (Files.exists(configFile)) {
                ObjectNode recorded = (ObjectNode) JSON.readTree(configFile.toFile());
                // recorded by an earlier version: before layouts every run trained on GLUE SST-2
                TrainingConfig existing = recordedConfig(recorded).upgraded(config.layout());
                if (!existing.equals(config)) {
                    throw new IllegalArgumentException("run directory " + store.location() + " holds another experiment: "
                            + differences(existing, config) + "; choose a new --out directory, or give the recorded"
                            + " settings (" + configFile + ") to resume it");
                }
                // a run recorded before lineage resumes as it did; one recorded with it resumes only on the same inputs
                List<String> conflicts = recorded.hasNonNull(LINEAGE)
                        ? JSON.treeToValue(recorded.get(LINEAGE), Lineage.class).conflictsWith(lineage) : List.of();
                if (!conflicts.isEmpty()) {
                    throw new IllegalArgumentException("run " + store.location() + " cannot resume here: "
                            + String.join("; ", conflicts) + "; restore its inputs, or start it again as a new run");
                }
            } else {
                lease.ensureHeld(configFile.toString());
                ObjectNode recorded = JSON.valueToTree(config);
                recorded.set(LINEAGE, JSON.valueToTree(lineage));
                JSON.writerWithDefaultPrettyPrinter().writeValue(configFile.toFile(), recorded);
                store.commitFile("config.json", ENDING_PATIENCE);
            }
            return new RunDirectory(store, lease, lineage);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run directory " + root + ": " + IoErrors.reason(root, e), e);
        }
    }

    /** The experiment of a recorded config.json, without its lineage. */
    private static TrainingConfig recordedConfig(ObjectNode recorded) throws IOException {
        ObjectNode config = recorded.deepCopy();
        config.remove(LINEAGE);
        return JSON.treeToValue(config, TrainingConfig.class);
    }

    /**
     * What {@code requested} changes of {@code recorded}, field by field, naming the field's {@code train} option where
     * it has one: {@code its seed (--seed) is 42, not 9}.
     */
    static String differences(TrainingConfig recorded, TrainingConfig requested) {
        JsonNode there = JSON.valueToTree(recorded);
        JsonNode now = JSON.valueToTree(requested);
        List<String> changes = new ArrayList<>();
        there.fieldNames().forEachRemaining(name -> {
            if (!there.get(name).equals(now.get(name))) {
                String option = ExperimentField.find(name).flatMap(ExperimentField::option).map(o -> " (" + o + ")").orElse("");
                changes.add("its " + name + option + " is " + there.get(name) + ", not " + now.get(name));
            }
        });
        return String.join("; ", changes);
    }

    /** An existing run directory, for eval and export. */
    public static RunDirectory existing(Path root) {
        if (!Files.isRegularFile(root.resolve("config.json"))) {
            throw new IllegalArgumentException(root + " is not a run directory: it has no config.json");
        }
        return new RunDirectory(DirectoryStore.runAt(root), RunLease.SOLE, null);
    }

    /** Throws {@link SupersededException} when a newer attempt owns the run: call before writing a checkpoint. */
    public void ensureLease(String what) {
        lease.ensureHeld(what);
    }

    public Path root() {
        return root;
    }

    /** Where the run's committed files are, as a user would name it. */
    public String location() {
        return store.location();
    }

    /** The store the directory commits to. */
    public RunStore store() {
        return store;
    }

    /**
     * Commits the checkpoint just written to {@link #latestCheckpoint()} (with the best checkpoint and the metrics so
     * far), waiting at most {@link #TRAINING_PATIENCE} for the store.
     *
     * @throws StoreUnavailableException when the store did not take it; the previous commit stands, and the next
     *     call (or the summary) commits this checkpoint's successor
     */
    public void commitCheckpoints() {
        uncommitted = true;
        commitPending(TRAINING_PATIENCE);
    }

    private void commitPending(Duration patience) {
        if (uncommitted) {
            lease.ensureHeld("the checkpoint");
            store.commitCheckpoints(patience);
            uncommitted = false;
        }
    }

    /** The recorded config, as this version records it: a run from before layouts trained on GLUE SST-2. */
    public TrainingConfig config() {
        try {
            return recordedConfig((ObjectNode) JSON.readTree(root.resolve("config.json").toFile())).upgraded(GlueTask.SST2.layout());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + root.resolve("config.json") + ": " + IoErrors.reason(root.resolve("config.json"), e), e);
        }
    }

    public Path latestCheckpoint() {
        return root.resolve("checkpoints").resolve("latest");
    }

    public Path bestCheckpoint() {
        return root.resolve("checkpoints").resolve("best");
    }

    public Path metricsFile() {
        return root.resolve("metrics.jsonl");
    }

    public Path summaryFile() {
        return root.resolve("summary.json");
    }

    /** Drops metric lines after {@code step}: a resumed run repeats those steps and logs them again. */
    public void truncateMetricsAfter(long step) {
        Path file = metricsFile();
        lease.ensureHeld(file.toString());
        if (!Files.exists(file)) {
            return;
        }
        try {
            List<String> kept = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .filter(line -> !line.isBlank())
                    .filter(line -> {
                        try {
                            return JSON.readTree(line).path("step").asLong() <= step;
                        } catch (IOException e) {
                            return false; // a line cut short by a crash
                        }
                    })
                    .toList();
            Files.write(file, kept, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite " + file + ": " + IoErrors.reason(file, e), e);
        }
    }

    @Override
    public void onStep(StepMetrics metrics) {
        ObjectNode line = JSON.valueToTree(metrics);
        append(line.put("type", "step"));
    }

    @Override
    public void onEvaluation(EvalMetrics metrics) {
        ObjectNode line = JSON.createObjectNode();
        line.put("type", "eval").put("step", metrics.step()).put("epoch", metrics.epoch())
                .put("metric", metrics.result().metric()).put("score", metrics.result().score());
        metrics.result().metrics().forEach(line::put);
        line.put("loss", metrics.result().loss()).put("examples", metrics.result().examples())
                .put("best", metrics.best());
        append(line);
    }

    /** The summary of the run, if it completed (a stopped run's summary is no end: it resumes). */
    public java.util.Optional<TrainingSummary> completedSummary() {
        if (!Files.isRegularFile(summaryFile())) {
            return java.util.Optional.empty();
        }
        try {
            TrainingSummary summary = JSON.readValue(summaryFile().toFile(), TrainingSummary.class);
            return "completed".equals(summary.outcome()) ? java.util.Optional.of(summary) : java.util.Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + summaryFile() + ": " + IoErrors.reason(summaryFile(), e), e);
        }
    }

    /**
     * Writes the summary with this attempt's lineage, after committing any checkpoint the store has not taken yet: the
     * store never holds a summary newer than its checkpoints.
     *
     * @throws StoreUnavailableException when the store did not take them within {@link #ENDING_PATIENCE}
     */
    public void writeSummary(TrainingSummary summary) {
        commitPending(ENDING_PATIENCE);
        lease.ensureHeld(summaryFile().toString());
        try {
            JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValue(summaryFile().toFile(),
                    lineage == null ? summary : summary.withLineage(lineage, config()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + summaryFile() + ": " + IoErrors.reason(summaryFile(), e), e);
        }
        store.commitFile("summary.json", ENDING_PATIENCE);
    }

    private void append(ObjectNode line) {
        lease.ensureHeld(metricsFile().toString());
        try (BufferedWriter writer = Files.newBufferedWriter(metricsFile(), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            writer.write(JSON.writeValueAsString(line));
            writer.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + metricsFile() + ": " + IoErrors.reason(metricsFile(), e), e);
        }
    }
}
