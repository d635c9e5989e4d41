package io.tunestream.cli;

import com.fasterxml.jackson.databind.JsonNode;
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

    @Mixin
    CoordinatorApi api;

    @Override
    public Integer call() throws Exception {
        Sweep sweep = Sweep.read(sweepFile);
        String definition = Sweep.definition(sweepFile);
        SweepPlanner.Submission planned = SweepPlanner.submission(sweep, definition, priority, Instant.now());
        List<PlannedRun> runs = planned.runs();
        SweepSchedule schedule = planned.schedule();
        PrintWriter out = spec.commandLine().getOut();
        boolean tpe = sweep.search().algorithm() == Search.Algorithm.TPE;
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
        SweepSubmitter.Submission submission;
        if (api.enabled()) {
            // the coordinator plans the same runs from the same definition and publishes them for this caller
            JsonNode answer = api.post("/api/sweeps" + (priority == null ? "" : "?priority=" + priority),
                    definition, "submitting sweep " + sweep.name());
            submission = new SweepSubmitter.Submission(strings(answer.path("published")), strings(answer.path("skipped")));
        } else {
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                kafka.topics().ensure(admin, partitions, KafkaOptions.TIMEOUT);
            }
            submission = new SweepSubmitter(kafka.clientProperties(), kafka.topics(), KafkaOptions.TIMEOUT).submit(schedule, runs);
        }
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

    private static List<String> strings(JsonNode array) {
        List<String> values = new java.util.ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    private static String describe(PlannedRun run) {
        return run.settings().entrySet().stream()
                .sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(f -> f.fieldName())))
                .map(e -> e.getKey().fieldName() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }
}
