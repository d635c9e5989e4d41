package io.tunestream.cli.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tunestream.cli.observability.PrometheusServer.ScrapeJob;
import io.tunestream.coordinator.service.Coordinator;
import io.tunestream.coordinator.service.CoordinatorServer;
import io.tunestream.coordinator.service.CoordinatorState;
import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.EvalMetric;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.RunState;
import io.tunestream.worker.metrics.MetricsServer;
import io.tunestream.worker.metrics.WorkerMetrics;
import io.tunestream.worker.queue.QueueMode;
import io.tunestream.worker.service.KafkaFixture;
import io.tunestream.worker.service.Worker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Metrics, their documentation and the Grafana dashboards against a short real run: an embedded broker, a worker
 * training the tiny model, and a coordinator, in this JVM, each serving /metrics on loopback; and, where the binary
 * is installed, a real Prometheus scraping both every second.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilityTest {

    private static final Path METRICS_DOC = Path.of("..", "docs", "metrics.md");
    private static final String RUN = "obs-run";
    /** Trains through the whole class; named after {@link #RUN}, so that sorted by name the finished run comes first. */
    private static final String TRAINING = RUN + "-training";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private KafkaFixture kafka;
    private MetricsServer workerEndpoint;
    private Coordinator coordinatorService;
    private CoordinatorServer coordinator;
    private PrometheusServer prometheus;

    @BeforeAll
    @Timeout(300)
    void trainOneRunWithEverythingScraped() throws Exception {
        kafka = new KafkaFixture(Map.of(), 1);
        PrometheusMeterRegistry workerRegistry = WorkerMetrics.prometheusRegistry(kafka.topics);
        workerEndpoint = MetricsServer.start(workerRegistry, "127.0.0.1", 0);
        // the run's series must outlive the checks below; WorkerMetricsTest checks their removal
        kafka.startWorker(new Worker(kafka.workerConfig("w1", QueueMode.SHARE),
                new WorkerMetrics(workerRegistry, "w1", Duration.ofMinutes(10))));
        Properties client = new Properties();
        client.put("bootstrap.servers", kafka.broker.bootstrapServers());
        coordinatorService = Coordinator.start(client, kafka.topics, Coordinator.Settings.defaults());
        CoordinatorState state = coordinatorService.state();
        coordinator = CoordinatorServer.start(coordinatorService, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), "127.0.0.1", 0);
        Optional<Path> binary = PrometheusServer.binary();
        if (binary.isPresent()) {
            // before the run, so that its scrapes see the training and the rate() windows hold steps
            prometheus = PrometheusServer.start(binary.get(), Files.createDirectories(kafka.root.resolve("prometheus")),
                    List.of(new ScrapeJob("tunestream-worker", "127.0.0.1:" + workerEndpoint.port()),
                            new ScrapeJob("tunestream-coordinator", "127.0.0.1:" + coordinator.port())));
            prometheus.awaitTargetsUp(2, Duration.ofSeconds(60));
        }
        ExperimentRequest request = KafkaFixture.request(RUN, AdapterMethodId.lora, 150);
        request.setSweepId("obs");
        request.getTraining().setEvalEvery(50);
        request.getTraining().setCheckpointEvery(50);
        kafka.submit(request);
        kafka.awaitState(RUN, RunState.SUCCEEDED, Duration.ofSeconds(180));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (state.run(RUN).state() != RunState.SUCCEEDED && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(RunState.SUCCEEDED, state.run(RUN).state(), "the coordinator did not see the run end");
        // A run that keeps training for the rest of the class, as a dashboard is watched during a sweep: its series are
        // live whatever order the tests run in (a finished run's rates vanish a minute after its last step), and the run
        // detail dashboard must open on it. Evaluated early, so that every panel has data.
        ExperimentRequest training = KafkaFixture.request(TRAINING, AdapterMethodId.lora, 1_000_000);
        training.setSweepId("obs");
        training.getTraining().setEvalEvery(5);
        kafka.submit(training);
        kafka.metrics.await(EvalMetric.class, all -> all.stream().anyMatch(m -> m.getRunId().equals(TRAINING)),
                Duration.ofSeconds(120), TRAINING + " evaluated");
        // Kafka clients' own metrics reach the registry at its next refresh (KafkaClientMeters.REFRESH, 10 s), and a
        // run of the tiny model can end before it: wait for the consumers' fetch metrics, as a scraper would see them
        HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + workerEndpoint.port() + "/metrics")).build();
        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!HTTP.send(scrape, HttpResponse.BodyHandlers.ofString()).body().contains("kafka_consumer_fetch_manager_records_lag{")
                && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
    }

    @AfterAll
    void stopEverything() throws Exception {
        // in the reverse order of starting; whatever started before a failure
        for (AutoCloseable started : java.util.Arrays.asList(prometheus, coordinator, coordinatorService, workerEndpoint, kafka)) {
            if (started != null) {
                started.close();
            }
        }
    }

    @Test
    void everyMetricTheWorkerAndCoordinatorRegisterIsInDocsMetricsMdAndNoOtherOfOurs() throws Exception {
        Exposition scraped = scrapeBoth();
        Set<String> exact = new TreeSet<>();
        List<String> families = new ArrayList<>();
        Matcher names = Pattern.compile("`([a-z][a-z0-9_]*)(\\*?)`").matcher(Files.readString(METRICS_DOC));
        while (names.find()) {
            (names.group(2).isEmpty() ? exact : families).add(names.group(1));
        }
        assertFalse(families.stream().anyMatch(f -> f.startsWith("tunestream")), "our own metrics are listed one by one, not as " + families);
        Set<String> undocumented = new TreeSet<>();
        for (String name : scraped.queriedFamilyNames()) {
            if (!exact.contains(name) && families.stream().noneMatch(name::startsWith)) {
                undocumented.add(name);
            }
        }
        assertEquals(Set.of(), undocumented, "registered but missing from docs/metrics.md");
        Set<String> stale = new TreeSet<>(exact);
        stale.removeIf(name -> !name.startsWith("tunestream_") || scraped.queriedFamilyNames().contains(name));
        assertEquals(Set.of(), stale, "in docs/metrics.md but registered by neither the worker nor the coordinator");
    }

    /**
     * Each topic's Kafka consumer metrics appear once, under the topic's name: not also under the deprecated twin
     * (dots replaced by underscores) that Kafka 4.1+ consumers register beside it, which doubled "Consumer lag".
     */
    @Test
    @Timeout(60)
    void eachTopicsConsumerMetricsAppearOnceUnderItsName() throws Exception {
        Pattern topicLabel = Pattern.compile("^(kafka_consumer_[a-z_]+)\\{.*topic=\"([^\"]+)\"");
        Set<String> topics = new TreeSet<>();
        for (int i = 0; i < 40 && topics.stream().noneMatch(t -> t.contains(".")); i++) {
            if (i > 0) {
                Thread.sleep(500);
            }
            topics.clear();
            for (String line : scrape(workerEndpoint.port()).split("\n")) {
                Matcher m = topicLabel.matcher(line);
                if (m.find()) {
                    topics.add(m.group(2));
                }
            }
        }
        assertTrue(topics.stream().anyMatch(t -> t.contains(".")), "no consumer metric by topic yet: " + topics);
        assertTrue(kafka.topics.all().containsAll(topics), "consumer metrics under names that are not topics: " + topics);
    }

    @Test
    void everyMetricTheDashboardsReadIsRegistered() throws Exception {
        Set<String> registered = scrapeBoth().sampleNames();
        List<Dashboard> dashboards = Dashboard.all();
        assertEquals(3, dashboards.size(), "dashboards in " + Dashboard.DIRECTORY);
        for (Dashboard dashboard : dashboards) {
            Set<String> missing = new TreeSet<>(dashboard.metricNames());
            assertFalse(missing.isEmpty(), dashboard.file() + " reads no metric");
            missing.removeAll(registered);
            assertEquals(Set.of(), missing, dashboard.file() + " reads metrics that neither the worker nor the coordinator registers");
        }
    }

    @Test
    @Timeout(180)
    void everyQueryOfEveryDashboardReturnsDataFromARealPrometheus() throws Exception {
        Assumptions.assumeTrue(prometheus != null, "no executable prometheus at $PROMETHEUS_BINARY or, with that unset, on the PATH "
                + "(Debian package 'prometheus'; .ci/run installs it): the dashboards' queries are not evaluated");
        List<String> failures = List.of("not evaluated yet");
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        for (int round = 0; round < 60 && !failures.isEmpty() && System.nanoTime() < deadline; round++) {
            if (round > 0) {
                Thread.sleep(1500);
            }
            failures = new ArrayList<>();
            for (Dashboard dashboard : Dashboard.all()) {
                failures.addAll(evaluate(dashboard));
            }
        }
        assertEquals(List.of(), failures, "targets: " + prometheus.targetHealth() + "\nprometheus log:\n" + prometheus.logTail());
    }

    /**
     * With "All" chosen for every variable, as the workers dashboard opens, its panels that select by {@code $job}
     * (JVM, CPU, memory) show the workers' jobs only, never the coordinator's.
     */
    @Test
    @Timeout(180)
    void theWorkersDashboardWithAllSelectedShowsTheWorkersJobsOnly() throws Exception {
        Assumptions.assumeTrue(prometheus != null, "no executable prometheus: the dashboards' queries are not evaluated");
        Dashboard workers = Dashboard.read(Dashboard.DIRECTORY.resolve("workers.json"));
        List<String> problems = List.of("not evaluated yet");
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        for (int round = 0; round < 60 && !problems.isEmpty() && System.nanoTime() < deadline; round++) {
            if (round > 0) {
                Thread.sleep(1500);
            }
            problems = new ArrayList<>();
            Map<String, String> values = new LinkedHashMap<>();
            List<String> jobs = List.of();
            for (Dashboard.Variable variable : workers.variables()) {
                List<String> options = variable.options(prometheus, values);
                values.put(variable.name(), variable.includeAll() ? variable.all(options) : options.isEmpty() ? "" : options.get(0));
                if (variable.name().equals("job")) {
                    jobs = options;
                }
            }
            if (jobs.isEmpty()) {
                problems.add("no worker job scraped yet");
                continue;
            }
            for (Dashboard.Query query : workers.queries()) {
                if (!query.expression().contains("$job")) {
                    continue;
                }
                JsonNode result = prometheus.query(Dashboard.substitute(query.expression(), values)).path("result");
                if (result.isEmpty()) {
                    problems.add(query.panel() + ": no data");
                }
                for (JsonNode series : result) {
                    String job = series.path("metric").path("job").asText(null);
                    String instance = series.path("metric").path("instance").asText("");
                    if (job != null ? !jobs.contains(job) : instance.equals("127.0.0.1:" + coordinator.port())) {
                        problems.add(query.panel() + " shows " + series.path("metric") + ", not a worker");
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    /**
     * The run detail dashboard opens on a run that is training, not on the alphabetically first: with the finished
     * {@value #RUN} in the same sweep and method, its first option is the later-named run that trains.
     */
    @Test
    @Timeout(180)
    void theRunDetailDashboardOpensOnARunThatIsTraining() throws Exception {
        Assumptions.assumeTrue(prometheus != null, "no executable prometheus: the dashboards' variables are not evaluated");
        assertTrue(TRAINING.compareTo(RUN) > 0, "sorted alphabetically, the finished run would come first");
        Dashboard runDetail = Dashboard.read(Dashboard.DIRECTORY.resolve("run-detail.json"));
        Map<String, String> values = new LinkedHashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        for (int round = 0; round < 200 && System.nanoTime() < deadline; round++) {
            values.clear();
            for (Dashboard.Variable variable : runDetail.variables()) {
                List<String> options = variable.options(prometheus, values);
                values.put(variable.name(), options.isEmpty() ? "" : options.get(0));
            }
            if (TRAINING.equals(values.get("run"))) {
                break;
            }
            Thread.sleep(500);
        }
        assertEquals("obs", values.get("sweep"));
        assertEquals("lora", values.get("method"));
        assertEquals(TRAINING, values.get("run"), "the dashboard opens on the run that is training");
        List<String> runs = runDetail.variables().get(2).options(prometheus, values);
        assertTrue(runs.contains(RUN), "the finished run is still listed, after it: " + runs);
    }

    /** Resolves the dashboard's variables as Grafana would (first value), then runs every query; what returned no data. */
    private List<String> evaluate(Dashboard dashboard) throws Exception {
        Map<String, String> values = new LinkedHashMap<>();
        for (Dashboard.Variable variable : dashboard.variables()) {
            List<String> options = variable.options(prometheus, values);
            if (options.isEmpty()) {
                return List.of(dashboard.file() + ": variable $" + variable.name() + " has no values (" + variable.source() + ")");
            }
            values.put(variable.name(), options.get(0));
        }
        List<String> failures = new ArrayList<>();
        for (Dashboard.Query query : dashboard.queries()) {
            String expression = Dashboard.substitute(query.expression(), values);
            assertFalse(expression.contains("$"), dashboard.file() + ": unresolved variable in " + expression);
            JsonNode result = prometheus.query(expression).path("result");
            boolean hasNumber = false;
            for (JsonNode series : result) {
                String value = series.path("value").path(1).asText();
                hasNumber |= !value.equals("NaN") && !value.isEmpty() && !value.contains("Inf");
            }
            if (!hasNumber) {
                failures.add(dashboard.file() + " / " + query.panel() + ": " + expression + " -> " + result);
            }
        }
        return failures;
    }

    private Exposition scrapeBoth() throws Exception {
        return Exposition.parse(scrape(workerEndpoint.port())).plus(Exposition.parse(scrape(coordinator.port())));
    }

    private static String scrape(int port) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.body().contains("tunestream_"), response.body());
        return response.body();
    }
}
