package io.tunestream.cli;

import io.tunestream.coordinator.kafka.TopicSnapshot;
import io.tunestream.coordinator.results.RunLedger;
import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.schemas.ControlAction;
import io.tunestream.schemas.ControlCommand;
import io.tunestream.schemas.KafkaClientProperties;
import io.tunestream.schemas.MessageCodec;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tunestream cancel}: stop a run (or every unfinished run of a sweep) within one training step. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
        description = "Cancel a run, or every unfinished run of a sweep: a running run stops within one step, a queued one never starts.")
final class CancelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    static final class Target {
        @Parameters(index = "0", paramLabel = "RUN", description = "The run id.")
        String runId;

        @Option(names = "--sweep", paramLabel = "SWEEP", description = "Every unfinished run of this sweep.")
        String sweep;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--reason", description = "Recorded with the command.")
    String reason;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        RunLedger ledger = RunLedger.of(TopicSnapshot.read(kafka.clientProperties(), kafka.topics().runHistory(),
                KafkaOptions.TIMEOUT));
        List<RunRecord> runs;
        if (target.runId != null) {
            runs = ledger.runs(null).stream().filter(r -> r.runId().equals(target.runId)).toList();
            if (runs.isEmpty()) {
                throw new IllegalArgumentException("no run '" + target.runId + "' on " + kafka.bootstrapServers
                        + " ('tunestream status' lists the runs; --sweep NAME cancels a sweep's)");
            }
        } else {
            runs = ledger.runs(target.sweep);
            if (runs.isEmpty()) {
                throw new IllegalArgumentException("no runs of sweep '" + target.sweep + "' on " + kafka.bootstrapServers);
            }
        }
        List<String> runIds = runs.stream().filter(r -> !r.finished()).map(RunRecord::runId).toList();
        if (runIds.isEmpty()) {
            out.println(target.runId != null ? target.runId + " has already finished (" + runs.get(0).state()
                    + "): nothing to cancel" : "every run of sweep '" + target.sweep + "' has finished: nothing to cancel");
            out.flush();
            return 0;
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClientProperties.reliableProducer(kafka.clientProperties()))) {
            for (String runId : runIds) {
                ControlCommand command = ControlCommand.newBuilder().setRunId(runId).setAction(ControlAction.CANCEL)
                        .setReason(reason).setIssuedAt(Instant.now()).build();
                producer.send(new ProducerRecord<>(kafka.topics().control(), runId, MessageCodec.get().encode(command)))
                        .get(KafkaOptions.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        out.printf("cancel sent for %d run(s)%n", runIds.size());
        runIds.forEach(id -> out.println("  x " + id));
        out.flush();
        return 0;
    }
}
