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
        List<String> runIds;
        if (target.runId != null) {
            runIds = List.of(target.runId);
        } else {
            RunLedger ledger = RunLedger.of(TopicSnapshot.read(kafka.clientProperties(), kafka.topics().runHistory(),
                    KafkaOptions.TIMEOUT));
            List<RunRecord> runs = ledger.runs(target.sweep);
            if (runs.isEmpty()) {
                throw new IllegalArgumentException("no runs of sweep '" + target.sweep + "' on " + kafka.bootstrapServers);
            }
            runIds = runs.stream().filter(r -> !r.finished()).map(RunRecord::runId).toList();
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClientProperties.reliableProducer(kafka.clientProperties()))) {
            for (String runId : runIds) {
                ControlCommand command = ControlCommand.newBuilder().setRunId(runId).setAction(ControlAction.CANCEL)
                        .setReason(reason).setIssuedAt(Instant.now()).build();
                producer.send(new ProducerRecord<>(kafka.topics().control(), runId, MessageCodec.get().encode(command)))
                        .get(KafkaOptions.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("cancel sent for %d run(s)%n", runIds.size());
        runIds.forEach(id -> out.println("  x " + id));
        out.flush();
        return 0;
    }
}
