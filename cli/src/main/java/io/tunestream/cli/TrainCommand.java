package io.tunestream.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tunestream.schemas.InvalidFieldException;
import io.tunestream.schemas.IoErrors;
import io.tunestream.schemas.Scores;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.checkpoint.TrainingCheckpoint;
import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.host.ComputeDevice;
import io.tunestream.worker.model.MklShim;
import io.tunestream.worker.model.NativeAllocator;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.run.Experiment;
import io.tunestream.worker.run.Lineage;
import io.tunestream.worker.run.RunDirectory;
import io.tunestream.worker.train.EvaluationResult;
import io.tunestream.worker.train.Trainer;
import io.tunestream.worker.train.TrainingConfig;
import io.tunestream.worker.train.TrainingSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** {@code tunestream train}: one experiment, locally, without Kafka. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        modelTransformer = TrainCommand.Options.class,
        description = {"Fine-tune and evaluate one experiment on a named dataset (GLUE's tasks, or a folder with "
                    + "dataset.yaml) or on labelled CSV, TSV or JSON Lines files, writing a run directory.",
            "Options override the values of --config. Running again with the same --out resumes from its last "
                    + "checkpoint."})
final class TrainCommand implements Callable<Integer> {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Experiment file (YAML or JSON) with the fields of the options below in camelCase.")
    Path configFile;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Directory holding the named datasets (NAME/...).")
    Path dataDirectory;

    @Option(names = "--train-file", paramLabel = "FILE", description = "Labelled CSV, TSV or JSON Lines file to train on instead of the dataset's train split.")
    Path trainFile;

    @Option(names = "--dev-file", paramLabel = "FILE", description = "Labelled file to evaluate on instead of the dataset's dev split.")
    Path devFile;

    @Option(names = "--out", paramLabel = "RUN_DIR", description = "Run directory (default: runs/METHOD-TIMESTAMP).")
    Path out;

    @Option(names = "--json-summary", paramLabel = "FILE", description = "Also write the final summary as JSON to FILE.")
    Path jsonSummary;

    @Mixin
    ComputeOptions compute;

    @Override
    public Integer call() throws Exception {
        TrainingConfig requested = merge(configFile == null ? TrainingConfig.forMethod(null) : readConfig(configFile));
        if (out != null) {
            OutputPaths.checkDirectory(out, "--out");
        }
        if (jsonSummary != null) {
            OutputPaths.checkFile(jsonSummary, "--json-summary");
        }
        ComputeDevice device = compute.device();
        AdapterRegistry registry = AdapterRegistry.standard();
        PrintWriter stdout = spec.commandLine().getOut();
        var err = System.err;
        err.println((MklShim.degraded() ? "warning: " : "engine: ") + MklShim.describe());
        err.println("engine: " + NativeAllocator.describe());
        err.println("engine: training on " + device + ", " + compute.applyThreads(1));
        err.println("preparing: model, data and tokenization...");
        Experiment experiment;
        try {
            experiment = Experiment.prepare(requested, registry, new ModelCatalog(), new DatasetCatalog(Optional.ofNullable(dataDirectory)));
        } catch (InvalidFieldException refusal) {
            throw ExperimentOptions.asTyped(refusal, spec);
        }
        TrainingConfig config = experiment.config();
        err.printf(Locale.ROOT, "task: %s%s, primary metric %s, %d training examples%n", experiment.task().description(),
                experiment.train().pairs() ? " of sentence pairs" : "", experiment.task().metric().id(), experiment.train().size());
        Path runPath = out != null ? out : Path.of("runs", config.method() + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)));
        RunDirectory runDirectory = RunDirectory.open(runPath, config, Lineage.of(experiment, device.id()));
        err.printf(Locale.ROOT, "run directory: %s%n", runPath);
        TrainingSummary summary;
        Optional<TrainingSummary> finished = runDirectory.completedSummary();
        if (finished.isPresent()) {
            // a finished run is left as it is: evaluating again would only rewrite its summary
            summary = finished.get();
            err.printf(Locale.ROOT, "%s holds this experiment, finished: nothing to train; its summary is unchanged"
                    + " ('tunestream eval --run-dir %s --data FILE' evaluates it on other data)%n", runPath, runPath);
        } else {
            if (Files.isRegularFile(runDirectory.metricsFile()) && Files.size(runDirectory.metricsFile()) > 0
                    && TrainingCheckpoint.find(runDirectory.latestCheckpoint()).isEmpty()) {
                err.printf(Locale.ROOT, "starting over: %s has no checkpoint; the last attempt stopped before its first"
                        + " (checkpoints come with evaluations, every --checkpoint-every steps and at least every %d minutes)%n",
                        runPath, Trainer.DEFAULT_CHECKPOINT_INTERVAL.toMinutes());
            }
            try (NDManager manager = NDManager.newBaseManager(device.device());
                    AdaptedModel adapted = experiment.buildModel(manager)) {
                Trainer trainer = new Trainer(adapted, config, experiment.task(), experiment.train(), experiment.dev(),
                        runDirectory, new ProgressBar(err, System.console() != null));
                summary = trainer.run(() -> false);
            }
        }
        printSummary(stdout, summary, runPath);
        if (jsonSummary != null) {
            Files.createDirectories(jsonSummary.toAbsolutePath().getParent());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(jsonSummary.toFile(), summary);
        }
        return 0;
    }

    static TrainingConfig readConfig(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("experiment file " + file + " does not exist");
        }
        try {
            return YAML.readValue(file.toFile(), TrainingConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException(file + ": unknown field '" + e.getPropertyName() + "'; valid fields: "
                    + String.join(", ", Arrays.stream(TrainingConfig.class.getRecordComponents()).map(c -> c.getName()).toList()));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not a valid experiment file: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + IoErrors.reason(file, e), e);
        }
    }

    /**
     * The experiment file's values with the options' over them: the experiment's fields as {@link ExperimentOptions}
     * gives them, then the files and the data layout.
     */
    private TrainingConfig merge(TrainingConfig file) {
        Map<String, Object> values = JSON.convertValue(file, new TypeReference<Map<String, Object>>() {});
        values.putAll(ExperimentOptions.given(spec));
        if (trainFile != null) {
            values.put("trainFile", trainFile.toString());
        }
        if (devFile != null) {
            values.put("devFile", devFile.toString());
        }
        LayoutOptions.given(spec).ifPresent(options ->
                values.put("layout", file.layout() == null ? options : file.layout().overriddenBy(options)));
        return JSON.convertValue(values, TrainingConfig.class);
    }

    /** train's generated options: the experiment's fields, then the data layout's. */
    public static final class Options implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            return new LayoutOptions.All().transform(new ExperimentOptions().transform(spec));
        }
    }

    /** "accuracy 91.06%  f1 91.20%  matthews 0.8210": every metric of an evaluation, by name. */
    static String metrics(EvaluationResult result) {
        return result.metrics().entrySet().stream().map(e -> e.getKey() + " " + Scores.format(e.getKey(), e.getValue()))
                .collect(java.util.stream.Collectors.joining("  "));
    }

    static void printSummary(PrintWriter out, TrainingSummary s, Path runPath) {
        out.printf(Locale.ROOT, "%n%s on %s: %s after %d steps%n", s.method(), s.model(), s.outcome(), s.steps());
        if (s.finalEvaluation() != null) {
            out.printf(Locale.ROOT, "  final dev %s  loss %.4f  (%d examples)%n", metrics(s.finalEvaluation()),
                    s.finalEvaluation().loss(), s.finalEvaluation().examples());
        }
        out.printf(Locale.ROOT, "  best dev %s %s at step %d%n", s.metric(), Scores.format(s.metric(), s.bestScore()), s.bestStep());
        out.printf(Locale.ROOT, "  trainable parameters: adapter %,d + head %,d of %,d%n", s.adapterParameters(),
                s.headParameters(), s.totalParameters());
        out.printf(Locale.ROOT, "  wall time %s, %.1f samples/s%n", ProgressBar.duration(s.wallSeconds()), s.samplesPerSecond());
        out.printf(Locale.ROOT, "  run directory %s%n", runPath);
        out.flush();
    }
}
