package io.tunestream.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tunestream.broker.EmbeddedKafkaBroker;
import io.tunestream.coordinator.kafka.SweepSubmitter;
import io.tunestream.coordinator.results.HtmlReport;
import io.tunestream.coordinator.results.Repeats;
import io.tunestream.coordinator.results.ResultsTable;
import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.coordinator.service.Coordinator;
import io.tunestream.coordinator.service.CoordinatorServer;
import io.tunestream.coordinator.sweep.PlannedRun;
import io.tunestream.coordinator.sweep.Schedule;
import io.tunestream.coordinator.sweep.Sweep;
import io.tunestream.coordinator.sweep.SweepPlanner;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.Topics;
import io.tunestream.worker.metrics.MetricsServer;
import io.tunestream.worker.metrics.WorkerMetrics;
import io.tunestream.worker.service.Worker;
import io.tunestream.worker.service.WorkerConfig;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tunestream demo}: the whole product on one machine. An embedded broker, in-process workers with a metrics
 * endpoint, the research notebook's comparison submitted as a sweep, a live table while it trains, and the results.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the notebook's comparison end to end on this machine (about 4 minutes on 2 cores).",
            "Starts an embedded Kafka broker and in-process workers, submits lora, dora, salt and salt_edora at "
                    + "rank 8 on query/key/value on an SST-2 subset, shows the runs live and prints the results table."})
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", defaultValue = "minilm-l6", description = "Model reference (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--methods", split = ",", defaultValue = "lora,dora,salt,salt_edora",
            description = "Methods to compare (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--train-samples", defaultValue = "6000",
            description = "Training examples per run, a seeded subset; 0: the full 67,349 (default: ${DEFAULT-VALUE}).")
    int trainSamples;

    @Option(names = "--epochs", defaultValue = "1", description = "Epochs per run (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--eval-every", defaultValue = "50", description = "Evaluate every this many steps (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--max-length", defaultValue = "128", description = "Truncate sentences to this many tokens (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--workers", defaultValue = "2", description = "In-process workers (default: ${DEFAULT-VALUE}).")
    int workers;

    @Mixin
    ComputeOptions compute;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where glue-sst2 is looked for first.")
    Path dataDir;

    @Option(names = "--out", paramLabel = "DIR", description = "Where runs and results go (default: runs/demo-TIMESTAMP).")
    Path out;

    @Option(names = "--refresh", defaultValue = "5", description = "Seconds between live table updates (default: ${DEFAULT-VALUE}).")
    int refreshSeconds;

    @Override
    public Integer call() throws Exception {
        if (workers < 1) {
            throw new IllegalArgumentException("--workers must be at least 1, got " + workers);
        }
        if (refreshSeconds < 1) {
            throw new IllegalArgumentException("--refresh must be at least 1 (seconds), got " + refreshSeconds);
        }
        Sweep sweep = sweep();
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        Path root = out != null ? out : Path.of("runs", "demo-" + stamp);
        OutputPaths.directory(root, "--out");
        PrintWriter stdout = spec.commandLine().getOut();
        Path log = root.resolve("demo.log");
        // the in-process workers train at once: each on its share of the cores
        stdout.printf("starting an embedded broker and %d workers on %s, %s (their logs: %s)...%n", workers, compute.device(),
                compute.applyThreads(workers), log);
        stdout.flush();
        // the broker's, workers' and coordinator's log lines would break up the live table: they go to the log file
        // (the library logger writes to whatever System.err is when it logs)
        PrintStream console = System.err;
        try (PrintStream logFile = new PrintStream(Files.newOutputStream(log), true, StandardCharsets.UTF_8)) {
            System.setErr(logFile);
            return run(root, sweep, stdout);
        } finally {
            System.setErr(console);
        }
    }

    private int run(Path root, Sweep sweep, PrintWriter stdout) throws Exception {
        List<PlannedRun> runs = SweepPlanner.plan(sweep, Instant.now());
        List<RunRecord> finished;
        List<Worker> started = new ArrayList<>();
        PrometheusMeterRegistry registry = WorkerMetrics.prometheusRegistry(Topics.defaults());
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().optDataDir(root.resolve("kafka")).build();
                MetricsServer metrics = MetricsServer.start(registry, "127.0.0.1", 0)) {
            broker.start();
            WorkerConfig base = WorkerConfig.defaults(broker.bootstrapServers(), root.resolve("checkpoints"))
                    .withDataDirectory(Optional.ofNullable(dataDir)).withDevice(compute.device);
            try (Admin admin = Admin.create(base.baseClientProperties())) {
                base.topics().ensure(admin, 1, KafkaOptions.TIMEOUT);
            }
            try {
                for (int i = 1; i <= workers; i++) {
                    Worker worker = new Worker(base.withWorkerId("demo-worker-" + i), registry);
                    Thread thread = new Thread(worker, "demo-worker-" + i);
                    // an error in the demo itself must not leave the JVM waiting on its workers
                    thread.setDaemon(true);
                    thread.start();
                    started.add(worker);
                }
                new SweepSubmitter(base.baseClientProperties(), base.topics(), KafkaOptions.TIMEOUT)
                        .submit(sweep.schedule().toMessage(sweep.name(), Instant.now()), runs);
                PrometheusMeterRegistry coordinatorRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                try (Coordinator coordinator = Coordinator.start(base.baseClientProperties(), base.topics(),
                                Coordinator.Settings.defaults());
                        CoordinatorServer api = CoordinatorServer.start(coordinator, coordinatorRegistry, "127.0.0.1", 0)) {
                    stdout.printf("broker %s; worker metrics at http://127.0.0.1:%d/metrics; coordinator API and metrics at"
                            + " http://127.0.0.1:%d/; %d runs submitted as sweep 'notebook'%n",
                            broker.bootstrapServers(), metrics.port(), api.port(), runs.size());
                    stdout.flush();
                    finished = watch(coordinator, stdout);
                    HtmlReport.write("demo: the notebook's comparison", finished.stream()
                                    .map(run -> HtmlReport.of(run, coordinator.state())).toList(),
                            Repeats.summariseRepeated(ResultsTable.outcomes(finished)), root.resolve("report"));
                }
                String table = ResultsTable.render(finished, ResultsTable.Format.TABLE);
                Files.writeString(root.resolve("results.md"), ResultsTable.render(finished, ResultsTable.Format.MARKDOWN));
                Files.writeString(root.resolve("results.csv"), ResultsTable.render(finished, ResultsTable.Format.CSV));
                stdout.printf("%nresults, sorted by each task's primary metric (accuracy for SST-2):%n%s%n", table);
                stdout.printf("results.md, results.csv and report/index.html (open it in a browser) in %s; each run's"
                        + " directory (config, metrics.jsonl, checkpoints, summary) in %s%n", root, root.resolve("checkpoints"));
                stdout.flush();
                return finished.stream().allMatch(r -> r.state() == RunState.SUCCEEDED) ? 0 : 1;
            } finally {
                // workers first, while the broker still answers their goodbyes
                for (Worker worker : started) {
                    worker.shutdown();
                }
                for (Worker worker : started) {
                    worker.awaitStopped(Duration.ofSeconds(30));
                }
            }
        }
    }

    private Sweep sweep() {
        Map<ExperimentField, Object> base = new LinkedHashMap<>();
        base.put(ExperimentField.MODEL, ExperimentField.MODEL.normaliseAs(model, "--model"));
        base.put(ExperimentField.DATASET, "glue-sst2");
        base.put(ExperimentField.RANK, 8);
        base.put(ExperimentField.TARGETS, List.of("query", "key", "value"));
        base.put(ExperimentField.TRAIN_SAMPLES, ExperimentField.TRAIN_SAMPLES.normaliseAs(trainSamples, "--train-samples"));
        base.put(ExperimentField.EPOCHS, ExperimentField.EPOCHS.normaliseAs(epochs, "--epochs"));
        base.put(ExperimentField.EVAL_EVERY, ExperimentField.EVAL_EVERY.normaliseAs(evalEvery, "--eval-every"));
        base.put(ExperimentField.MAX_LENGTH, ExperimentField.MAX_LENGTH.normaliseAs(maxLength, "--max-length"));
        List<Object> methodValues = methods.stream().map(m -> ExperimentField.METHOD.normaliseAs(m, "--methods")).toList();
        return new Sweep("notebook", base, Map.of(ExperimentField.METHOD, methodValues), Schedule.none());
    }

    /** Shows the runs every refresh until all have finished; returns their final records. */
    private List<RunRecord> watch(Coordinator coordinator, PrintWriter stdout) throws InterruptedException {
        SweepProgress progress = SweepProgress.to(stdout, SweepProgress.terminal());
        while (true) {
            List<RunRecord> runs = coordinator.state().runs("notebook");
            progress.update(runs);
            if (!runs.isEmpty() && runs.stream().allMatch(RunRecord::finished)) {
                return runs;
            }
            Thread.sleep(refreshSeconds * 1000L);
        }
    }
}
