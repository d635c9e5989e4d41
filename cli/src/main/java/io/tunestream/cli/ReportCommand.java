package io.tunestream.cli;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tunestream.coordinator.kafka.TopicSnapshot;
import io.tunestream.coordinator.results.HtmlReport;
import io.tunestream.coordinator.results.Repeats;
import io.tunestream.coordinator.results.ResultsTable;
import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.coordinator.service.CoordinatorState;
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
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tunestream report}: a comparison of finished runs by dataset, best primary metric first, of local run
 * directories or of a sweep read from Kafka; with {@code --html}, also as one self-contained page.
 */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Compare runs by dataset: method, learning rate, parameter counts, each task's primary metric, wall time,"
                + " samples/s. The runs are a sweep's, read from Kafka, or run directories written by 'tunestream train'."
                + " With --html, also a page to open in a browser: the tables, learning curves per step, settings against"
                + " the metric, per-method summaries.")
final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SWEEP|RUN_DIR", arity = "1..*",
            description = "A sweep's name, or run directories written by 'tunestream train'.")
    List<String> sources;

    @Option(names = "--format", defaultValue = "markdown", description = "markdown or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--html", paramLabel = "DIR", description = "Also write the report as DIR/index.html: one file, viewable"
            + " offline.")
    Path html;

    @Mixin
    KafkaOptions kafka;

    /** One finished run; {@code medianStepSamplesPerSecond} is robust to pauses and to other load on the machine. */
    record Entry(String run, TrainingConfig config, TrainingSummary summary, @JsonIgnore RunMetrics metrics) {

        @JsonProperty
        public double medianStepSamplesPerSecond() {
            return metrics.medianStepSamplesPerSecond();
        }
    }

    @Override
    public Integer call() throws IOException {
        if (!format.equals("markdown") && !format.equals("json")) {
            throw new IllegalArgumentException("unknown format '" + format + "'; valid formats: markdown, json");
        }
        if (html != null) {
            OutputPaths.checkDirectory(html, "--html");
        }
        String only = sources.get(0);
        if (sources.size() == 1 && !only.contains("/") && !Files.exists(Path.of(only))) {
            return sweep(only);
        }
        return runDirectories(sources.stream().map(Path::of).toList());
    }

    /** A sweep's runs as Kafka knows them, finished or not. */
    private int sweep(String sweep) {
        Properties client;
        try {
            client = kafka.clientProperties();
        } catch (IllegalArgumentException e) {
            // the name may have been meant as a folder: say that none is here either
            throw new IllegalArgumentException(e.getMessage() + "; and there is no run directory named " + sweep, e);
        }
        CoordinatorState state = new CoordinatorState();
        TopicSnapshot.read(client, kafka.topics().runHistory(), KafkaOptions.TIMEOUT).forEach(state::apply);
        List<RunRecord> runs = state.runs(sweep);
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs of sweep '" + sweep + "' on " + kafka.bootstrapServers
                    + ", and no run directory named " + sweep);
        }
        PrintWriter out = spec.commandLine().getOut();
        ResultsCommand.print(out, runs, format.equals("json") ? ResultsTable.Format.JSON : ResultsTable.Format.MARKDOWN);
        out.flush();
        if (html != null) {
            writePage("sweep " + sweep, runs.stream().map(run -> HtmlReport.of(run, state)).toList(),
                    Repeats.summariseRepeated(ResultsTable.outcomes(runs)));
        }
        return 0;
    }

    private int runDirectories(List<Path> runs) throws IOException {
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
                        RunMetrics.read(json, directory.metricsFile())));
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
        }
        List<Repeats.Summary> configurations = Repeats.summariseRepeated(entries.stream().map(ReportCommand::outcome).toList());
        if (format.equals("markdown") && !configurations.isEmpty()) {
            out.printf("%nConfigurations over their seeds (best primary metric; Welch's t-test at 5%% against the best):%n%n");
            out.print(ResultsTable.configurations(configurations, true));
        }
        out.flush();
        if (html != null) {
            writePage(entries.size() + " runs", entries.stream().map(ReportCommand::pageRun).toList(), configurations);
        }
        return 0;
    }

    private void writePage(String title, List<HtmlReport.Run> runs, List<Repeats.Summary> configurations) {
        Path page = HtmlReport.write(title, runs, configurations, html);
        spec.commandLine().getErr().println("report written to " + page.toAbsolutePath().toUri());
    }

    /** A local run as the page shows it, its curves from metrics.jsonl. */
    private static HtmlReport.Run pageRun(Entry entry) {
        TrainingConfig config = entry.config();
        TrainingSummary summary = entry.summary();
        Map<String, Object> settings = new LinkedHashMap<>();
        config.experimentValues().forEach((name, raw) -> ExperimentField.find(name)
                .ifPresent(field -> settings.put(name, HtmlReport.settingValue(field.normalise(raw, "")))));
        settings.put(ExperimentField.DATASET.fieldName(), dataset(config));
        return new HtmlReport.Run(entry.run(), summary.outcome(), dataset(config), summary.metric(), HtmlReport.number(summary.bestScore()),
                summary.bestStep(), HtmlReport.number(summary.finalEvaluation().score()), summary.adapterParameters(),
                summary.headParameters(), summary.wallSeconds(), summary.samplesPerSecond(), null, settings, entry.metrics().scores(),
                entry.metrics().losses());
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

    /**
     * What a run's {@code metrics.jsonl} holds for the report, read once: the loss per step, the primary metric per
     * evaluation, and the median over its steps of each step's samples per second (robust to pauses and to other load
     * on the machine); NaN without steps.
     */
    record RunMetrics(List<double[]> losses, List<double[]> scores, double medianStepSamplesPerSecond) {

        static RunMetrics read(ObjectMapper json, Path metrics) throws IOException {
            List<double[]> losses = new ArrayList<>();
            List<double[]> scores = new ArrayList<>();
            List<Double> speeds = new ArrayList<>();
            if (Files.isRegularFile(metrics)) {
                for (String line : Files.readAllLines(metrics)) {
                    JsonNode node;
                    try {
                        node = json.readTree(line);
                    } catch (IOException e) {
                        continue; // a line cut short by a crash
                    }
                    switch (node.path("type").asText()) {
                        case "step" -> {
                            losses.add(new double[] {node.path("step").asDouble(), node.path("loss").asDouble()});
                            if (node.has("samplesPerSecond")) {
                                speeds.add(node.path("samplesPerSecond").asDouble());
                            }
                        }
                        case "eval" -> scores.add(new double[] {node.path("step").asDouble(), node.path("score").asDouble()});
                        default -> { }
                    }
                }
            }
            double[] sorted = speeds.stream().mapToDouble(Double::doubleValue).filter(v -> !Double.isNaN(v)).sorted().toArray();
            return new RunMetrics(losses, scores, sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2]);
        }
    }
}
