package io.tunestream.cli;

import io.tunestream.coordinator.kafka.TopicSnapshot;
import io.tunestream.coordinator.results.RunLedger;
import io.tunestream.coordinator.results.RunRecord;
import java.io.PrintWriter;
import java.util.List;
import io.tunestream.schemas.Scores;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tunestream status}: where every run of a sweep (or one run, or all runs) stands, read from Kafka. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "State, attempt, worker, progress, latest loss and best primary metric of runs, read from Kafka.")
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SWEEP|RUN", description = "A sweep name or a run id (default: every run).")
    String selector;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() {
        RunLedger ledger = RunLedger.of(TopicSnapshot.read(kafka.clientProperties(), kafka.topics().runHistory(),
                KafkaOptions.TIMEOUT));
        List<RunRecord> runs = selector == null ? ledger.runs(null) : ledger.runs(selector);
        if (runs.isEmpty() && selector != null) {
            runs = ledger.runs(null).stream().filter(r -> r.runId().equals(selector)).toList();
        }
        if (runs.isEmpty()) {
            throw new IllegalArgumentException(selector == null ? "no runs on " + kafka.bootstrapServers
                    : "no sweep or run named '" + selector + "' on " + kafka.bootstrapServers);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%-40s %-10s %7s %-24s %22s %8s %-16s %9s%n", "run", "state", "attempt", "worker", "step", "loss", "metric", "best");
        for (RunRecord run : runs) {
            var status = run.status();
            String activity = LiveTable.activity(run);
            out.printf(Locale.ROOT, "%-40s %-10s %7s %-24s %22s %8s %-16s %9s%n", run.runId(), run.state(),
                    status == null ? "-" : status.getAttempt(),
                    status == null || status.getWorkerId() == null ? "-" : status.getWorkerId(),
                    activity != null ? activity : status == null ? "-" : status.getStep() + "/" + status.getTotalSteps(),
                    run.latestStep() == null ? "-" : String.format(Locale.ROOT, "%.4f", run.latestStep().getLoss()),
                    run.metric(), Scores.format(run.metric(), run.bestScore()));
        }
        out.flush();
        return 0;
    }
}
