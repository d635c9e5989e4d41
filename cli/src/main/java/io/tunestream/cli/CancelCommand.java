package io.tunestream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.coordinator.kafka.TopicSnapshot;
import io.tunestream.coordinator.results.RunLedger;
import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.schemas.ControlAction;
import io.tunestream.schemas.ControlCommand;
import io.tunestream.schemas.KafkaClientProperties;
import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStates;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
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

    @Mixin
    CoordinatorApi api;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (api.enabled()) {
            return cancelThroughApi(out);
        }
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

    /** The same through the coordinator's API: it checks the token and records who cancelled. */
    private int cancelThroughApi(PrintWriter out) throws IOException, InterruptedException {
        List<String> runIds = new ArrayList<>();
        if (target.runId != null) {
            runIds.add(target.runId);
        } else {
            JsonNode runs = api.get("/api/runs?sweep=" + URLEncoder.encode(target.sweep, StandardCharsets.UTF_8),
                    "listing the runs of sweep " + target.sweep);
            for (JsonNode run : runs) {
                if (!RunStates.ended(RunState.valueOf(run.path("state").asText()))) {
                    runIds.add(run.path("run").asText());
                }
            }
            if (runIds.isEmpty()) {
                out.println("no unfinished run of sweep '" + target.sweep + "' at " + api.coordinator() + ": nothing to cancel");
                out.flush();
                return 0;
            }
        }
        String body = JSON.writeValueAsString(reason == null ? java.util.Map.of() : java.util.Map.of("reason", reason));
        for (String runId : runIds) {
            JsonNode answer = api.post("/api/runs/" + URLEncoder.encode(runId, StandardCharsets.UTF_8) + "/cancel", body,
                    "cancelling " + runId);
            out.println("  x " + runId + " (" + answer.path("by").asText() + ")");
        }
        out.printf("cancelled %d run(s) through %s%n", runIds.size(), api.coordinator());
        out.flush();
        return 0;
    }

    private static final ObjectMapper JSON = new ObjectMapper();
}
