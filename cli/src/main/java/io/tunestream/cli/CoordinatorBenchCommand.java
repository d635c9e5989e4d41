package io.tunestream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tunestream.broker.EmbeddedKafkaBroker;
import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.AdapterSettings;
import io.tunestream.schemas.EvalMetric;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.RunLog;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.StepMetric;
import io.tunestream.schemas.Topics;
import io.tunestream.schemas.TrainingSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
 * {@code tunestream bench-coordinator}: what a history of finished runs costs a coordinator that restarts. Writes
 * synthetic runs to an embedded broker as workers and a coordinator would have, then starts a coordinator process
 * with the memory a deployment gives it and measures how long it takes to read the history and become ready, and its
 * memory then.
 */
@Command(name = "bench-coordinator", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure a coordinator's restart time and memory after a history of finished runs.",
            "An embedded broker gets the history of finished runs (each: its submission, dispatch, statuses, step and "
                    + "evaluation metrics and log lines); for each history size a coordinator process is started against "
                    + "it with the memory limit of deploy/k8s/coordinator.yaml, and the time until it is ready, its "
                    + "resident memory and its heap after a full GC are reported."})
final class CoordinatorBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--runs", split = ",", defaultValue = "0,1000",
            description = "History sizes to measure, increasing: finished runs (default: ${DEFAULT-VALUE}).")
    List<Integer> runs;

    @Option(names = "--steps", defaultValue = "300", description = "Step metrics per run (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--evaluations", defaultValue = "6", description = "Evaluations per run (default: ${DEFAULT-VALUE}).")
    int evaluations;

    @Option(names = "--log-lines", defaultValue = "20", description = "Log lines per run (default: ${DEFAULT-VALUE}).")
    int logLines;

    @Option(names = "--memory", defaultValue = "1g", paramLabel = "SIZE",
            description = "The coordinator JVM's view of the machine's memory (-XX:MaxRAM), as a container limit sets it"
                    + " (default: ${DEFAULT-VALUE}, deploy/k8s/coordinator.yaml's limit).")
    String memory;

    @Option(names = "--json", description = "Print the results as JSON.")
    boolean json;

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Override
    public Integer call() throws Exception {
        for (int i = 0; i < runs.size(); i++) {
            if (runs.get(i) < 0 || (i > 0 && runs.get(i) <= runs.get(i - 1))) {
                throw new IllegalArgumentException("--runs needs increasing counts of at least 0, got " + runs);
            }
        }
        if (steps < 1 || evaluations < 0 || logLines < 0) {
            throw new IllegalArgumentException("--steps must be at least 1 and --evaluations and --log-lines at least 0, got "
                    + steps + ", " + evaluations + " and " + logLines);
        }
        Topics topics = Topics.defaults();
        List<Map<String, Object>> rows = new ArrayList<>();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startDefault()) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                topics.ensure(admin, 6, Duration.ofSeconds(30));
            }
            int written = 0;
            long records = 0;
            for (int target : runs) {
                records += writeHistory(broker.bootstrapServers(), topics, written, target);
                written = target;
                Map<String, Object> row = measure(broker.bootstrapServers());
                row.put("finishedRuns", target);
                row.put("historyRecords", records);
                rows.add(row);
                System.err.printf(Locale.ROOT, "%,d finished runs (%,d records): ready after %.1f s, resident %d MiB,"
                                + " heap after GC %d MiB%n", target, records, (double) row.get("readySeconds"),
                        (long) row.get("residentBytes") >> 20, (long) row.get("heapAfterGcBytes") >> 20);
            }
        }
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("stepsPerRun", steps);
        results.put("evaluationsPerRun", evaluations);
        results.put("logLinesPerRun", logLines);
        results.put("coordinatorMemory", memory);
        results.put("measurements", rows);
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results)
                : "done; --json prints every figure");
        out.flush();
        return 0;
    }

    /** Writes runs {@code from} to {@code to - 1}; returns the records written. */
    private long writeHistory(String bootstrap, Topics topics, int from, int to) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        long records = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
            for (int i = from; i < to; i++) {
                String run = String.format(Locale.ROOT, "history-%06d", i);
                String sweep = "history-" + i / 100;
                Instant at = Instant.now();
                ExperimentRequest request = ExperimentRequest.newBuilder().setRunId(run).setSweepId(sweep)
                        .setModel("minilm-l6").setDataset("glue-sst2").setMethod(AdapterMethodId.lora)
                        .setAdapter(AdapterSettings.newBuilder().setRank(8).build())
                        .setTraining(TrainingSettings.newBuilder().setMaxSteps(steps).build())
                        .setSeed((long) i).setSubmittedAt(at).build();
                List<ProducerRecord<String, byte[]>> history = new ArrayList<>();
                history.add(record(topics.submissions(), run, request));
                history.add(record(topics.status(), run, status(run, sweep, RunState.QUEUED, 0, at)));
                ExperimentRequest dispatch = ExperimentRequest.newBuilder(request).setAttempt(1).build();
                history.add(record(topics.requests(), run, dispatch));
                history.add(record(topics.status(), run, status(run, sweep, RunState.RUNNING, 1, at)));
                for (int step = 1; step <= steps; step++) {
                    history.add(record(topics.metrics(), run, StepMetric.newBuilder().setRunId(run).setAttempt(1)
                            .setStep(step).setTotalSteps(steps).setEpoch(0).setLoss(0.7 / Math.sqrt(step))
                            .setLearningRate(5e-4).setGradientNorm(1).setSamplesPerSecond(150).setTokensPerSecond(2000)
                            .setStepMillis(200).setBatchSize(32).setTimestamp(at).build()));
                }
                for (int e = 1; e <= evaluations; e++) {
                    long step = (long) steps * e / evaluations;
                    history.add(record(topics.metrics(), run, EvalMetric.newBuilder().setRunId(run).setAttempt(1)
                            .setStep(step).setEpoch(0).setAccuracy(0.8 + 0.01 * e).setF1(0.8).setLoss(0.4)
                            .setExamples(872).setBest(true).setTimestamp(at).build()));
                }
                for (int l = 0; l < logLines; l++) {
                    history.add(record(topics.logs(), run, RunLog.newBuilder().setRunId(run).setAttempt(1).setWorkerId("w1")
                            .setLevel("INFO").setMessage("step " + l + " of a synthetic run, as long as a real log line")
                            .setTimestamp(at).build()));
                }
                RunStatus done = status(run, sweep, RunState.SUCCEEDED, 1, at);
                done.setStep(steps);
                done.setTotalSteps(steps);
                done.setBestScore(0.86);
                done.setBestStep((long) steps);
                history.add(record(topics.status(), run, done));
                for (ProducerRecord<String, byte[]> record : history) {
                    producer.send(record);
                }
                records += history.size();
            }
            producer.flush();
        }
        return records;
    }

    private static RunStatus status(String run, String sweep, RunState state, int attempt, Instant at) {
        return RunStatus.newBuilder().setRunId(run).setSweepId(sweep).setState(state).setAttempt(attempt)
                .setWorkerId(attempt > 0 ? "w1" : null).setUpdatedAt(at).build();
    }

    private static ProducerRecord<String, byte[]> record(String topic, String key, SpecificRecordBase value) {
        return new ProducerRecord<>(topic, key, MessageCodec.get().encode(value));
    }

    /** Starts a coordinator process, waits until it is ready, reads its memory, stops it. */
    private Map<String, Object> measure(String bootstrap) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(java, "-Dai.djl.offline=true", "-XX:MaxRAM=" + memory, "-cp",
                System.getProperty("java.class.path"), Tunestream.class.getName(), "coordinator", "--bootstrap-servers",
                bootstrap, "--http-port", Integer.toString(port));
        Path log = Files.createTempFile("tunestream-bench-coordinator", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("OPT_OUT_TRACKING", "true");
        long started = System.nanoTime();
        Process process = builder.start();
        try {
            URI ready = URI.create("http://127.0.0.1:" + port + "/healthz/ready");
            long deadline = started + Duration.ofMinutes(10).toNanos();
            while (!answers(ready)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the coordinator did not become ready; its log: " + Files.readString(log));
                }
                Thread.sleep(100);
            }
            double readySeconds = (System.nanoTime() - started) / 1e9;
            long resident = residentBytes(process.pid());
            Process gc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(process.pid()), "GC.run").redirectErrorStream(true).start();
            gc.getInputStream().readAllBytes();
            gc.waitFor(60, TimeUnit.SECONDS);
            String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("readySeconds", readySeconds);
            row.put("residentBytes", resident);
            row.put("heapAfterGcBytes", heapUsed(metrics));
            return row;
        } finally {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            Files.deleteIfExists(log);
        }
    }

    private static boolean answers(URI uri) {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** VmRSS of a process, from /proc (Linux). */
    private static long residentBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    /** The sum of jvm_memory_used_bytes over the heap's pools, from a Prometheus scrape. */
    static long heapUsed(String exposition) {
        double sum = 0;
        for (String line : exposition.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return (long) sum;
    }
}
