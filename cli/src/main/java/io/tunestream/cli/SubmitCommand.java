package io.tunestream.cli;

import io.tunestream.coordinator.kafka.SweepSubmitter;
import io.tunestream.coordinator.sweep.PlannedRun;
import io.tunestream.coordinator.sweep.Search;
import io.tunestream.coordinator.sweep.Sweep;
import io.tunestream.coordinator.sweep.SweepPlanner;
import io.tunestream.schemas.SweepSchedule;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tunestream submit}: plan a sweep into runs and publish the ones not yet submitted. */
@Command(name = "submit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Plan a sweep file (a base experiment, a grid, a schedule) into runs and submit them.",
            "The coordinator dispatches them to workers as the schedule allows. Run ids derive from the sweep "
                    + "name and each run's settings: submitting the same sweep again submits only runs it did not have "
                    + "before (and replaces the schedule). An invalid sweep fails before anything is published."})
final class SubmitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SWEEP.yaml", description = "The sweep file.")
    Path sweepFile;

    @Option(names = "--dry-run", description = "Print the planned runs; publish nothing.")
    boolean dryRun;

    @Option(names = "--priority", paramLabel = "N",
            description = "Priority of the new runs (higher starts first), instead of the sweep file's (default 0).")
    Integer priority;

    @Option(names = "--partitions", defaultValue = "6",
            description = "Partitions of the requests and metrics topics if they must be created (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() {
        Sweep sweep = Sweep.read(sweepFile);
        Instant now = Instant.now();
        List<PlannedRun> runs = SweepPlanner.plan(sweep, now);
        if (priority != null) {
            runs.forEach(run -> run.request().setPriority(priority));
        }
        PrintWriter out = spec.commandLine().getOut();
        SweepSchedule schedule = sweep.schedule().toMessage(sweep.name(), now);
        boolean tpe = sweep.search().algorithm() == Search.Algorithm.TPE;
        if (tpe) {
            // the coordinator plans the rest from the results: it needs the whole sweep
            schedule.setDefinition(Sweep.definition(sweepFile));
        }
        if (dryRun) {
            out.printf("sweep %s: %d runs (dry run: nothing published)%n", sweep.name(), runs.size());
            out.printf("  schedule: %s%n", sweep.schedule().describe());
            if (tpe) {
                out.printf("  search: tpe; these are its random start, and the coordinator proposes %d more per grid"
                        + " combination as results arrive%n", sweep.search().samples() - sweep.search().startup());
            }
            runs.forEach(run -> out.printf("  %s  %s%n", run.runId(), describe(run)));
            out.flush();
            return 0;
        }
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            kafka.topics().ensure(admin, partitions, KafkaOptions.TIMEOUT);
        }
        SweepSubmitter.Submission submission = new SweepSubmitter(kafka.clientProperties(), kafka.topics(),
                KafkaOptions.TIMEOUT).submit(schedule, runs);
        out.printf("sweep %s: %d runs published, %d already submitted%n", sweep.name(), submission.published().size(),
                submission.skipped().size());
        submission.published().forEach(id -> out.println("  + " + id));
        if (tpe) {
            out.printf("search tpe: the coordinator proposes the other %d samples per grid combination from these runs'"
                    + " results%n", sweep.search().samples() - sweep.search().startup());
        }
        if (!submission.published().isEmpty()) {
            out.println("the coordinator (tunestream coordinator) dispatches them to workers; tunestream watch " + sweep.name()
                    + " follows them");
        }
        out.flush();
        return 0;
    }

    private static String describe(PlannedRun run) {
        return run.settings().entrySet().stream()
                .sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(f -> f.fieldName())))
                .map(e -> e.getKey().fieldName() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }
}
