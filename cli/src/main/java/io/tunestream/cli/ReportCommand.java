package io.tunestream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tunestream.worker.run.RunDirectory;
import io.tunestream.worker.train.TrainingConfig;
import io.tunestream.worker.train.TrainingSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tunestream report}: a comparison table of finished local runs, best dev accuracy first. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = "Compare finished runs: method, learning rate, parameter counts, dev accuracy, wall time, samples/s.")
final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "RUN_DIR", arity = "1..*", description = "Run directories written by 'tunestream train'.")
    List<Path> runs;

    @Option(names = "--format", defaultValue = "markdown", description = "markdown or json (default: ${DEFAULT-VALUE}).")
    String format;

    /** One finished run. */
    record Entry(String run, TrainingConfig config, TrainingSummary summary) {}

    @Override
    public Integer call() throws IOException {
        if (!format.equals("markdown") && !format.equals("json")) {
            throw new IllegalArgumentException("unknown format '" + format + "'; valid formats: markdown, json");
        }
        ObjectMapper json = new ObjectMapper();
        List<Entry> entries = new ArrayList<>();
        for (Path run : runs) {
            RunDirectory directory = RunDirectory.existing(run);
            if (!Files.isRegularFile(directory.summaryFile())) {
                throw new IllegalArgumentException(run + " has not finished: it has no summary.json");
            }
            try {
                entries.add(new Entry(run.toString(), directory.config(),
                        json.readValue(directory.summaryFile().toFile(), TrainingSummary.class)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + directory.summaryFile() + ": " + e.getMessage(), e);
            }
        }
        entries.sort(Comparator.comparingDouble((Entry e) -> e.summary().bestAccuracy()).reversed());
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("json")) {
            out.println(json.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(entries));
        } else {
            out.println("| method | lr | epochs | trainable (adapter + head) | best dev accuracy (step) | final dev accuracy | wall time | samples/s |");
            out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
            for (Entry e : entries) {
                TrainingConfig c = e.config();
                TrainingSummary s = e.summary();
                String method = c.method().equals("salt_edora") && "polar".equals(c.tailMode()) ? "salt_edora (polar)" : c.method();
                if (!c.method().equals("head_only") && !c.method().equals("full")) {
                    method += " r=" + c.rank();
                }
                out.printf(Locale.ROOT, "| %s | %s | %d | %,d + %,d | %.1f%% (%d) | %.1f%% | %s | %.0f |%n", method,
                        c.learningRate(), c.epochs(), s.adapterParameters(), s.headParameters(), 100 * s.bestAccuracy(),
                        s.bestStep(), 100 * s.finalEvaluation().accuracy(), ProgressBar.duration(s.wallSeconds()),
                        s.samplesPerSecond());
            }
        }
        out.flush();
        return 0;
    }
}
