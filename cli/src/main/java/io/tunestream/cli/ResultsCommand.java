package io.tunestream.cli;

import io.tunestream.coordinator.kafka.TopicSnapshot;
import io.tunestream.coordinator.results.Repeats;
import io.tunestream.coordinator.results.ResultsTable;
import io.tunestream.coordinator.results.LearningCurvePlot;
import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.coordinator.service.CoordinatorState;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tunestream results}: a sweep's runs sorted by best dev accuracy, read from Kafka. */
@Command(name = "results", mixinStandardHelpOptions = true, sortOptions = false,
        description = "A sweep's runs sorted by each task's primary metric, with parameter counts, wall time and samples/s.")
final class ResultsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SWEEP", description = "The sweep's name.")
    String sweep;

    @Option(names = "--format", defaultValue = "table", description = "table, markdown, csv or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Also draw the runs' learning curves (dev accuracy, training loss) to this PNG.")
    Path plot;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() {
        ResultsTable.Format chosen = ResultsTable.format(format);
        if (plot != null) {
            OutputPaths.checkFile(plot, "--plot");
        }
        CoordinatorState state = new CoordinatorState();
        TopicSnapshot.read(kafka.clientProperties(), kafka.topics().runHistory(), KafkaOptions.TIMEOUT).forEach(state::apply);
        List<RunRecord> runs = state.runs(sweep);
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs of sweep '" + sweep + "' on " + kafka.bootstrapServers);
        }
        PrintWriter out = spec.commandLine().getOut();
        print(out, runs, chosen);
        out.flush();
        if (plot != null) {
            LearningCurvePlot.write(runs, state, plot);
            spec.commandLine().getErr().println("learning curves written to " + plot);
        }
        return 0;
    }

    /** The runs' table in {@code format}; for a table, then the configurations over their seeds where any repeats. */
    static void print(PrintWriter out, List<RunRecord> runs, ResultsTable.Format format) {
        out.print(ResultsTable.render(runs, format));
        List<Repeats.Summary> configurations = Repeats.summariseRepeated(ResultsTable.outcomes(runs));
        if (!configurations.isEmpty() && (format == ResultsTable.Format.TABLE || format == ResultsTable.Format.MARKDOWN)) {
            out.printf("%nconfigurations over their seeds (best primary metric; Welch's t-test at 5%% against the best):%n");
            out.print(ResultsTable.configurations(configurations, format == ResultsTable.Format.MARKDOWN));
        }
    }
}
