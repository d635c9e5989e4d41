package io.tunestream.cli;

import io.tunestream.coordinator.kafka.TopicSnapshot;
import io.tunestream.coordinator.results.RunLedger;
import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.schemas.RunLog;
import io.tunestream.schemas.RunStatus;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.avro.specific.SpecificRecordBase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tunestream logs}: a run's log lines from Kafka, and how it stands, or why it ended. */
@Command(name = "logs", mixinStandardHelpOptions = true,
        description = {"Print a run's log: each attempt's experiment, evaluations, hand-backs and how it ended, and why.",
            "Workers write these lines to the logs topic (kept 7 days); --follow prints new ones until the run ends."})
final class LogsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "The run id (tunestream status lists them).")
    String runId;

    @Option(names = "--follow", description = "Keep printing new lines until the run ends.")
    boolean follow;

    @Option(names = "--refresh", defaultValue = "2", description = "Seconds between reads with --follow (default: ${DEFAULT-VALUE}).")
    int refreshSeconds;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws InterruptedException {
        if (refreshSeconds < 1) {
            throw new IllegalArgumentException("--refresh must be at least 1 (seconds), got " + refreshSeconds);
        }
        Properties client = kafka.clientProperties();
        PrintWriter out = spec.commandLine().getOut();
        int printed = 0;
        while (true) {
            List<SpecificRecordBase> records = TopicSnapshot.read(client, List.of(kafka.topics().submissions(),
                    kafka.topics().status(), kafka.topics().logs()), KafkaOptions.TIMEOUT);
            RunRecord run = RunLedger.of(records).run(runId);
            List<RunLog> lines = records.stream().filter(RunLog.class::isInstance).map(RunLog.class::cast)
                    .filter(line -> line.getRunId().equals(runId)).toList();
            if (run.request() == null && run.status() == null && lines.isEmpty()) {
                throw new IllegalArgumentException("no run '" + runId + "' on " + kafka.bootstrapServers
                        + " ('tunestream status' lists the runs)");
            }
            for (RunLog line : lines.subList(printed, lines.size())) {
                out.printf(Locale.ROOT, "%s  attempt %d  %-20s %-5s  %s%n", line.getTimestamp(), line.getAttempt(),
                        line.getWorkerId(), line.getLevel(), line.getMessage());
            }
            printed = lines.size();
            boolean ended = run.finished();
            if (!follow || ended) {
                out.println(standing(run));
                out.flush();
                return 0;
            }
            out.flush();
            Thread.sleep(refreshSeconds * 1000L);
        }
    }

    /** Where the run stands, with the reason it ended as it did. */
    private static String standing(RunRecord run) {
        RunStatus status = run.status();
        StringBuilder line = new StringBuilder(run.runId()).append(": ").append(run.state());
        if (status != null && status.getFailure() != null) {
            line.append(" (").append(status.getFailure().getKind()).append("): ").append(status.getFailure().getMessage());
        } else if (status != null && status.getReason() != null) {
            line.append(": ").append(status.getReason());
        }
        if (run.awaitingRetry()) {
            line.append("; the coordinator will retry it");
        }
        return line.toString();
    }
}
