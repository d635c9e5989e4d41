package io.tunestream.worker.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.IoErrors;
import io.tunestream.worker.data.GlueTask;
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
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's files:
 *
 * <pre>
 * config.json              the resolved experiment
 * metrics.jsonl            one JSON object per training step ("type": "step") and per evaluation ("type": "eval")
 * checkpoints/latest/      resumable: trainable parameters, optimizer moments, state
 * checkpoints/best/        the trainable parameters at the best value of the task's primary metric
 * summary.json             the outcome, once the run ends
 * attempt                  the attempt that owns the directory, for runs taken from the queue
 * </pre>
 *
 * Opening an existing directory with a different config is refused, so a resume never mixes two experiments.
 * Every write first asks the directory's {@link RunLease}, so an attempt that a newer one superseded writes nothing.
 */
public final class RunDirectory implements TrainingListener {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ATTEMPT_FILE = "attempt";

    private final Path root;
    private final RunLease lease;

    private RunDirectory(Path root, RunLease lease) {
        this.root = root;
        this.lease = lease;
    }

    /** Creates the directory for {@code config}, or reopens it if it holds the same config; its only writer. */
    public static RunDirectory open(Path root, TrainingConfig config) {
        return open(root, config, RunLease.SOLE);
    }

    /** As {@link #open(Path, TrainingConfig)}, writing only while {@code lease} is held. */
    public static RunDirectory open(Path root, TrainingConfig config, RunLease lease) {
        try {
            Files.createDirectories(root);
            Path configFile = root.resolve("config.json");
            if (Files.exists(configFile)) {
                TrainingConfig existing = JSON.readValue(configFile.toFile(), TrainingConfig.class);
                // recorded by an earlier version: before layouts every run trained on GLUE SST-2
                existing = existing.upgraded(config.layout());
                if (!existing.equals(config)) {
                    throw new IllegalArgumentException("run directory " + root + " holds another experiment: "
                            + differences(existing, config) + "; choose a new --out directory, or give the recorded"
                            + " settings (" + configFile + ") to resume it");
                }
            } else {
                JSON.writerWithDefaultPrettyPrinter().writeValue(configFile.toFile(), config);
            }
            return new RunDirectory(root, lease);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run directory " + root + ": " + IoErrors.reason(root, e), e);
        }
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
        return new RunDirectory(root, RunLease.SOLE);
    }

    /**
     * Records {@code attempt} as the directory's owner (replacing the file atomically), so that an older attempt,
     * checking {@link #ownedBy} before each write, stops even when it cannot read Kafka.
     */
    public static void takeOver(Path root, int attempt) {
        try {
            Files.createDirectories(root);
            Path file = root.resolve(ATTEMPT_FILE);
            Path fresh = Files.createTempFile(root, ATTEMPT_FILE, ".tmp");
            Files.writeString(fresh, Integer.toString(attempt), StandardCharsets.UTF_8);
            Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record attempt " + attempt + " in " + root + ": " + IoErrors.reason(root, e), e);
        }
    }

    /** Whether the directory's owner is still {@code attempt} (a directory with no owner recorded is nobody else's). */
    public static boolean ownedBy(Path root, int attempt) {
        Path file = root.resolve(ATTEMPT_FILE);
        if (!Files.isRegularFile(file)) {
            // no owner recorded (or no run directory at all, e.g. a file in its place): nobody newer owns it
            return true;
        }
        try {
            return Integer.parseInt(Files.readString(file, StandardCharsets.UTF_8).trim()) == attempt;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** Throws {@link SupersededException} when a newer attempt owns the run: call before writing a checkpoint. */
    public void ensureLease(String what) {
        lease.ensureHeld(what);
    }

    public Path root() {
        return root;
    }

    /** The recorded config, as this version records it: a run from before layouts trained on GLUE SST-2. */
    public TrainingConfig config() {
        try {
            return JSON.readValue(root.resolve("config.json").toFile(), TrainingConfig.class).upgraded(GlueTask.SST2.layout());
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

    public void writeSummary(TrainingSummary summary) {
        lease.ensureHeld(summaryFile().toString());
        try {
            JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValue(summaryFile().toFile(), summary);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + summaryFile() + ": " + IoErrors.reason(summaryFile(), e), e);
        }
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
