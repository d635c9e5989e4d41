package io.tunestream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.broker.EmbeddedKafkaBroker;
import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.AdapterSettings;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.TrainingSettings;
import io.tunestream.worker.service.ClusterView;
import io.tunestream.worker.service.PublishingCost;
import io.tunestream.worker.service.Worker;
import io.tunestream.worker.service.WorkerConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tunestream bench-worker}: what streaming metrics costs training, measured in one run: a worker trains one
 * request against the embedded broker and reports the time its training thread spent in publish calls against
 * the time it spent in steps.
 */
@Command(name = "bench-worker", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure what streaming metrics costs a training step, in one run.",
            "One request goes through an in-process worker and an embedded broker; the time its training thread "
                    + "spent publishing step metrics and status is reported as a share of step time."})
final class WorkerBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", defaultValue = "minilm-l6", description = "Model reference (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--method", defaultValue = "lora", description = "Method (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--steps", defaultValue = "100", description = "Training steps of batch 32 (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where glue-sst2 is looked for first.")
    Path dataDir;

    @Option(names = "--json", description = "Print a JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        AdapterMethodId methodId = AdapterMethodId.valueOf(method);
        Path store = Files.createTempDirectory("tunestream-bench-worker");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startDefault()) {
            WorkerConfig config = WorkerConfig.defaults(broker.bootstrapServers(), store)
                    .withWorkerId("bench").withDataDirectory(Optional.ofNullable(dataDir));
            try (Admin admin = Admin.create(config.baseClientProperties())) {
                config.topics().ensure(admin, 1, Duration.ofSeconds(30));
            }
            Worker worker = new Worker(config);
            Thread thread = new Thread(worker, "bench-worker");
            thread.start();
            ExperimentRequest request = ExperimentRequest.newBuilder()
                    .setRunId("bench").setModel(model).setMethod(methodId)
                    .setAdapter(AdapterSettings.newBuilder().build())
                    // enough examples for the steps; one evaluation, at the end
                    .setTraining(TrainingSettings.newBuilder().setMaxSteps(steps).setTrainSamples(steps * 32)
                            .setEvalEvery(0).build())
                    .setSubmittedAt(Instant.now()).build();
            submit(config, request);
            RunStatus status = await(config, "bench", Duration.ofMinutes(30));
            worker.shutdown();
            worker.awaitStopped(Duration.ofSeconds(30));
            if (status.getState() != RunState.SUCCEEDED) {
                throw new IllegalStateException("the benchmark run ended " + status.getState()
                        + (status.getFailure() == null ? "" : ": " + status.getFailure().getMessage()));
            }
            report(worker.lastPublishingCost().orElseThrow());
            return 0;
        } finally {
            try (var paths = Files.walk(store)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void submit(WorkerConfig config, ExperimentRequest request) throws Exception {
        Properties props = config.baseClientProperties();
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(config.topics().requests(), request.getRunId(),
                    MessageCodec.get().encode(request))).get(30, TimeUnit.SECONDS);
        }
    }

    private static RunStatus await(WorkerConfig config, String runId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (ClusterView view = new ClusterView(config.baseClientProperties(), config.topics(), "bench-view")) {
            while (System.nanoTime() < deadline) {
                Optional<RunStatus> status = view.status(runId);
                if (status.isPresent() && status.get().getFinishedAt() != null) {
                    return status.get();
                }
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("the benchmark run did not finish within " + timeout.toMinutes() + " minutes");
    }

    private void report(PublishingCost cost) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("model", model);
            result.put("method", method);
            result.put("steps", cost.steps());
            result.put("publishMillisPerStep", cost.publishMillis() / cost.steps());
            result.put("stepMillis", cost.stepMillis() / cost.steps());
            result.put("publishShareOfStepTime", cost.share());
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result));
        } else {
            out.printf(Locale.ROOT, "%s on %s: publishing metrics and status cost %s%n", method, model, cost);
        }
        out.flush();
    }
}
