package io.tunestream.cli;

import io.tunestream.coordinator.kafka.SweepSubmitter;
import io.tunestream.coordinator.kafka.TopicSnapshot;
import io.tunestream.coordinator.results.RunLedger;
import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.schemas.FailureKind;
import io.tunestream.schemas.RunState;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tunestream rerun SWEEP --failed}: queue a sweep's failed runs again, after what failed them was fixed. */
@Command(name = "rerun", mixinStandardHelpOptions = true,
        description = {"Queue a sweep's failed runs again, with a fresh allowance of attempts.",
            "Each resumes from its latest checkpoint. Runs refused as bad requests are left as they are: fix the "
                    + "sweep file and submit it again. The coordinator dispatches the runs as the sweep's schedule allows."})
final class RerunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SWEEP", description = "The sweep's name.")
    String sweep;

    @Option(names = "--failed", required = true, description = "Rerun the runs that ended FAILED.")
    boolean failed;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() {
        List<RunRecord> runs = RunLedger.of(TopicSnapshot.read(kafka.clientProperties(), kafka.topics().runHistory(),
                KafkaOptions.TIMEOUT)).runs(sweep);
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs of sweep '" + sweep + "' on " + kafka.bootstrapServers);
        }
        List<RunRecord> failedRuns = runs.stream().filter(r -> r.state() == RunState.FAILED).toList();
        List<RunRecord> badRequests = failedRuns.stream().filter(RerunCommand::badRequest).toList();
        List<RunRecord> again = failedRuns.stream().filter(r -> !badRequest(r) && r.request() != null).toList();
        new SweepSubmitter(kafka.clientProperties(), kafka.topics(), KafkaOptions.TIMEOUT).requeue(again, "rerun of a failed run");
        PrintWriter out = spec.commandLine().getOut();
        out.printf("sweep %s: %d failed runs queued again, %d bad requests left as they are%n", sweep, again.size(),
                badRequests.size());
        again.forEach(r -> out.println("  + " + r.runId()));
        badRequests.forEach(r -> out.println("  ! " + r.runId() + ": " + r.status().getFailure().getMessage()));
        out.flush();
        return 0;
    }

    private static boolean badRequest(RunRecord run) {
        return run.status().getFailure() != null && run.status().getFailure().getKind() == FailureKind.BAD_REQUEST;
    }
}
