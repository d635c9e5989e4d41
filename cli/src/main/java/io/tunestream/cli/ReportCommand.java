package io.tunestream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tunestream.coordinator.results.Repeats;
import io.tunestream.coordinator.results.ResultsTable;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.Scores;
import io.tunestream.worker.run.RunDirectory;
import io.tunestream.worker.train.TrainingConfig;
import io.tunestream.worker.train.TrainingSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tunestream report}: a comparison table of finished local runs by dataset, best primary metric first. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = "Compare finished runs by dataset: method, learning rate, parameter counts, each task's primary metric, wall time, samples/s.")
final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "RUN_DIR", arity = "1..*", description = "Run directories written by 'tunestream train'.")
    List<Path> runs;

    @Option(names = "--format", defaultValue = "markdown", description = "markdown or json (default: ${DEFAULT-VALUE}).")
    String format;

    /** One finished run; {@code medianStepSamplesPerSecond} is robust to pauses and to other load on the machine. */
    record Entry(String run, TrainingConfig config, TrainingSummary summary, double medianStepSamplesPerSecond) {}

    @Override
    public Integer call() throws IOException {
        if (!format.equals("markdown") && !format.equals("json")) {
            throw new IllegalArgumentException("unknown format '" + format + "'; valid formats: markdown, json");
        }
        ObjectMapper json = new ObjectMapper();
        List<Entry> entries = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Path run : runs) {
            // one folder that is not a finished run (a demo's output, a run still training) does not stop the report
            if (!Files.isRegularFile(run.resolve("config.json"))) {
                skipped.add(run + ": not a run directory (no config.json)");
                continue;
            }
            RunDirectory directory = RunDirectory.existing(run);
            if (!Files.isRegularFile(directory.summaryFile())) {
                skipped.add(run + ": not finished (no summary.json)");
                continue;
            }
            try {
                entries.add(new Entry(run.toString(), directory.config(),
                        json.readValue(directory.summaryFile().toFile(), TrainingSummary.class),
                        medianStepSpeed(json, directory.metricsFile())));
            } catch (IOException | RuntimeException e) {
                skipped.add(run + ": unreadable (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        skipped.forEach(reason -> err.println("skipped " + reason));
        err.flush();
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("no finished runs to report among " + runs.size() + " path(s)");
        }
        // grouped by dataset, best primary metric first within each
        entries.sort(Comparator.comparing((Entry e) -> dataset(e.config()))
                .thenComparing(Comparator.comparingDouble((Entry e) -> e.summary().bestScore()).reversed()));
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("json")) {
            out.println(json.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(entries));
        } else {
            out.println("| dataset | method | lr | epochs | trainable (adapter + head) | metric | best dev (step) | final dev | wall time | samples/s | median step samples/s |");
            out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            for (Entry e : entries) {
                TrainingConfig c = e.config();
                TrainingSummary s = e.summary();
                String method = c.method().equals("salt_edora") && "polar".equals(c.tailMode()) ? "salt_edora (polar)" : c.method();
                if (!c.method().equals("head_only") && !c.method().equals("full")) {
                    method += " r=" + c.rank();
                }
                out.printf(Locale.ROOT, "| %s | %s | %s | %d | %,d + %,d | %s | %s (%d) | %s | %s | %.0f | %.0f |%n",
                        dataset(c), method, new BigDecimal(Double.toString(c.learningRate())).stripTrailingZeros().toPlainString(),
                        c.epochs(), s.adapterParameters(), s.headParameters(), s.metric(),
                        Scores.format(s.metric(), s.bestScore()), s.bestStep(),
                        Scores.format(s.metric(), s.finalEvaluation().score()), ProgressBar.duration(s.wallSeconds()),
                        s.samplesPerSecond(), e.medianStepSamplesPerSecond());
            }
            List<Repeats.Outcome> outcomes = entries.stream().map(ReportCommand::outcome).toList();
            if (Repeats.repeated(outcomes)) {
                out.printf("%nConfigurations over their seeds (best primary metric; Welch's t-test at 5%% against the best):%n%n");
                out.print(ResultsTable.configurations(Repeats.summarise(outcomes), true));
            }
        }
        out.flush();
        return 0;
    }

    /** A run as an outcome of its configuration: its settings but the seed. */
    private static Repeats.Outcome outcome(Entry entry) {
        Map<String, String> settings = new LinkedHashMap<>(entry.config().experimentValues());
        settings.remove(ExperimentField.SEED.fieldName());
        settings.put(ExperimentField.DATASET.fieldName(), dataset(entry.config()));
        return new Repeats.Outcome(dataset(entry.config()), settings, entry.summary().metric(), entry.summary().bestScore());
    }

    /** What a run trained on: its named dataset, or the file it trained on with its folder ({@code stsb-resplit/train.csv}). */
    static String dataset(TrainingConfig config) {
        if (config.trainFile() == null) {
            return config.dataset();
        }
        Path file = Path.of(config.trainFile()).toAbsolutePath();
        return file.getParent() == null || file.getParent().getFileName() == null ? file.getFileName().toString()
                : file.getParent().getFileName() + "/" + file.getFileName();
    }

    /** The median over a run's steps of each step's samples per second, from {@code metrics.jsonl}. */
    static double medianStepSpeed(ObjectMapper json, Path metrics) throws IOException {
        if (!Files.isRegularFile(metrics)) {
            return Double.NaN;
        }
        double[] speeds;
        try (Stream<String> lines = Files.lines(metrics)) {
            speeds = lines.filter(line -> line.contains("\"type\":\"step\""))
                    .mapToDouble(line -> {
                        try {
                            return json.readTree(line).path("samplesPerSecond").asDouble();
                        } catch (IOException e) {
                            return Double.NaN;
                        }
                    })
                    .filter(v -> !Double.isNaN(v))
                    .sorted()
                    .toArray();
        }
        return speeds.length == 0 ? Double.NaN : speeds[speeds.length / 2];
    }
}
