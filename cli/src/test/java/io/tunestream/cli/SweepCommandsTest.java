package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.coordinator.kafka.TopicSnapshot;
import io.tunestream.coordinator.service.Coordinator;
import io.tunestream.coordinator.service.CoordinatorServer;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.worker.queue.QueueMode;
import io.tunestream.worker.run.Build;
import io.tunestream.worker.service.KafkaFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** submit, status and results against an embedded broker and two in-process workers. */
class SweepCommandsTest {

    private static final String SWEEP = """
            sweep: six
            base:
              model: random:tiny@1
              dataset: glue-sst2
              rank: 4
              batchSize: 8
              maxSteps: 10
              evalEvery: 5
              maxLength: 32
            grid:
              method: [lora, dora, salt]
              seed: [1, 2]
            schedule:
              keepCheckpoints: best
              export: [hf, peft]
            """;

    private Coordinator coordinator;

    @AfterEach
    void stopCoordinator() {
        if (coordinator != null) {
            coordinator.close();
        }
    }

    @Test
    @Timeout(300)
    void aSixRunSweepThroughTwoWorkersEndsInACompleteResultsTableAndResubmittingPublishesNothing() throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1)) {
            String bootstrap = kafka.broker.bootstrapServers();
            Path bad = Files.writeString(kafka.root.resolve("bad.yaml"), SWEEP.replace("rank: 4", "rank: -4"));
            CliRun refused = CliRun.of("submit", bad.toString(), "--bootstrap-servers", bootstrap);
            assertEquals(2, refused.exitCode());
            assertEquals("error: base.rank must be at least 1, got -4", refused.err().strip());
            assertEquals(0, requests(bootstrap, kafka.topics.submissions()).size(), "an invalid sweep published something");

            Path file = Files.writeString(kafka.root.resolve("six.yaml"), SWEEP);
            CliRun dry = CliRun.of("submit", file.toString(), "--dry-run", "--bootstrap-servers", bootstrap);
            assertEquals(0, dry.exitCode(), dry.err());
            assertTrue(dry.out().startsWith("sweep six: 6 runs (dry run: nothing published)"), dry.out());
            assertEquals(0, requests(bootstrap, kafka.topics.submissions()).size());

            kafka.startWorker(kafka.workerConfig("w1", QueueMode.SHARE));
            kafka.startWorker(kafka.workerConfig("w2", QueueMode.SHARE));
            coordinator = Coordinator.start(kafka.clientProperties(), kafka.topics, Coordinator.Settings.defaults());
            CliRun submitted = CliRun.of("submit", file.toString(), "--bootstrap-servers", bootstrap);
            assertEquals(0, submitted.exitCode(), submitted.err());
            assertTrue(submitted.out().startsWith("sweep six: 6 runs published, 0 already submitted"), submitted.out());
            List<String> runIds = requests(bootstrap, kafka.topics.submissions()).stream().map(ExperimentRequest::getRunId).toList();
            assertEquals(6, runIds.size());
            for (String runId : runIds) {
                kafka.awaitState(runId, RunState.SUCCEEDED, Duration.ofSeconds(240));
            }

            CliRun results = CliRun.of("results", "six", "--format", "json", "--bootstrap-servers", bootstrap);
            assertEquals(0, results.exitCode(), results.err());
            JsonNode rows = new ObjectMapper().readTree(results.out());
            assertEquals(6, rows.size());
            Map<String, RunStatus> statuses = kafka.latestStatuses();
            double previous = Double.POSITIVE_INFINITY;
            for (JsonNode row : rows) {
                RunStatus status = statuses.get(row.get("run").asText());
                assertEquals("SUCCEEDED", row.get("state").asText());
                assertEquals(status.getSummary().getBestScore(), row.get("best").asDouble(), 0.0);
                assertEquals("accuracy", row.get("metric").asText(), "SST-2's primary metric, by name");
                assertEquals("glue-sst2", row.get("dataset").asText());
                assertEquals(status.getSummary().getAdapterParameters(), row.get("adapter_params").asLong());
                assertEquals(status.getSummary().getHeadParameters(), row.get("head_params").asLong());
                assertTrue(row.get("adapter_params").asLong() > 0);
                assertTrue(row.get("wall_seconds").asDouble() > 0);
                assertTrue(row.get("best").asDouble() <= previous, "not sorted by the best primary metric");
                previous = row.get("best").asDouble();
                assertEquals(status.getExperiment().get("method"), row.get("experiment").get("method").asText());
                assertEquals(Build.id(), row.get("lineage").get("build").asText());
                assertEquals("random:tiny@1", row.get("lineage").get("model").asText());
                assertEquals(rows.get(0).get("lineage").get("modelSha256"), row.get("lineage").get("modelSha256"));
                assertEquals(rows.get(0).get("lineage").get("datasetSha256"), row.get("lineage").get("datasetSha256"));
                assertEquals("cpu", row.get("lineage").get("device").asText());
                assertEquals("fp32", row.get("lineage").get("precision").asText());
                Path run = Path.of(row.get("artifacts").get("run").asText());
                assertRetained(run);
                assertExported(row.get("artifacts"), run, status.getExperiment().get("method"));
            }
            CliRun markdown = CliRun.of("results", "six", "--format", "markdown", "--bootstrap-servers", bootstrap);
            assertTrue(markdown.out().startsWith("| run | state | dataset | method | rank | lr | seed | metric | best |"), markdown.out());
            List<String> lines = markdown.out().lines().toList();
            assertEquals(2 + 6 + 1, lines.indexOf("") + 1, "the runs' table, then a blank line:\n" + markdown.out());
            // two seeds per method: each method is a configuration of two runs (docs/sweeps.md, Repeats)
            List<String> configurations = lines.subList(lines.indexOf("") + 2, lines.size());
            assertEquals("| dataset | configuration | runs | metric | mean | sd | p_vs_best | verdict |", configurations.get(0));
            assertEquals(2 + 3, configurations.size(), markdown.out());
            for (String method : List.of("lora", "dora", "salt")) {
                assertTrue(configurations.stream().anyMatch(l -> l.startsWith("| glue-sst2 | method=" + method + " | 2 | accuracy |")),
                        method + ":\n" + markdown.out());
            }
            assertTrue(configurations.get(2).endsWith(" | best |"), configurations.get(2));

            Path png = kafka.root.resolve("curves.png");
            CliRun plotted = CliRun.of("results", "six", "--plot", png.toString(), "--bootstrap-servers", bootstrap);
            assertEquals(0, plotted.exitCode(), plotted.err());
            java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
            assertEquals(1000, image.getWidth());
            assertEquals(900, image.getHeight());

            assertReportPage(kafka.root.resolve("report"), bootstrap, runIds, statuses);

            CliRun status = CliRun.of("status", "six", "--bootstrap-servers", bootstrap);
            assertEquals(6, status.out().lines().filter(l -> l.contains("SUCCEEDED")).count(), status.out());

            CliRun again = CliRun.of("submit", file.toString(), "--bootstrap-servers", bootstrap);
            assertEquals(0, again.exitCode(), again.err());
            assertTrue(again.out().startsWith("sweep six: 0 runs published, 6 already submitted"), again.out());
            assertEquals(6, requests(bootstrap, kafka.topics.submissions()).size(), "resubmitting submitted runs again");
            assertEquals(6, requests(bootstrap, kafka.topics.requests()).size(), "a run was dispatched twice");

            // a run's log: the experiment as it ran, its evaluations and how it ended; the API serves the same lines
            CliRun log = CliRun.of("logs", runIds.get(0), "--bootstrap-servers", bootstrap);
            assertEquals(0, log.exitCode(), log.err());
            List<String> logLines = log.out().lines().toList();
            assertTrue(logLines.get(0).contains("attempt 1") && logLines.get(0).contains(" INFO ")
                    && logLines.get(0).contains("maxSteps=10"), log.out());
            assertTrue(logLines.stream().anyMatch(l -> l.contains("step 5: accuracy ")), log.out());
            assertTrue(logLines.stream().anyMatch(l -> l.contains("succeeded after 10 steps: best accuracy ")), log.out());
            assertEquals(runIds.get(0) + ": SUCCEEDED", logLines.get(logLines.size() - 1));
            try (CoordinatorServer api = CoordinatorServer.start(coordinator,
                    new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT),
                    "127.0.0.1", 0)) {
                String body = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + api.port() + "/api/runs/" + runIds.get(0) + "/logs")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                JsonNode served = new ObjectMapper().readTree(body);
                assertEquals(logLines.size() - 1, served.size(), "the API serves the same lines:\n" + body);
                assertTrue(served.get(served.size() - 1).get("message").asText().startsWith("succeeded after 10 steps"), body);
            }
            // a run a worker refuses: its log ends with why, and logs says so
            ExperimentRequest refusedRequest = ExperimentRequest.newBuilder(requests(bootstrap, kafka.topics.submissions()).get(0))
                    .setRunId("other-refused").setSweepId("other").setAttempt(0).build();
            refusedRequest.getAdapter().setTailMode("polar");
            try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(kafka.clientProperties(),
                    new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(kafka.topics.submissions(), "other-refused",
                        io.tunestream.schemas.MessageCodec.get().encode(refusedRequest))).get();
            }
            kafka.awaitState("other-refused", RunState.FAILED, Duration.ofSeconds(60));
            CliRun why = CliRun.of("logs", "other-refused", "--bootstrap-servers", bootstrap);
            assertEquals(0, why.exitCode(), why.err());
            assertTrue(why.out().contains(" ERROR  failed (BAD_REQUEST): tailMode is an option of salt_edora only"), why.out());
            assertTrue(why.out().strip().endsWith("other-refused: FAILED (BAD_REQUEST): tailMode is an option of salt_edora only;"
                    + " method 'lora' has none"), why.out());
            assertEquals(2, CliRun.of("logs", "nosuchrun", "--bootstrap-servers", bootstrap).exitCode());

            CliRun unknown = CliRun.of("cancel", "nosuchrun", "--bootstrap-servers", bootstrap);
            assertEquals(2, unknown.exitCode(), unknown.out());
            assertTrue(unknown.err().contains("no run 'nosuchrun' on " + bootstrap), unknown.err());
            CliRun done = CliRun.of("cancel", runIds.get(0), "--bootstrap-servers", bootstrap);
            assertEquals(0, done.exitCode(), done.err());
            assertEquals(runIds.get(0) + " has already finished (SUCCEEDED): nothing to cancel", done.out().strip());
            assertEquals(0, TopicSnapshot.read(kafka.clientProperties(), List.of(kafka.topics.control()), Duration.ofSeconds(30))
                    .size(), "a cancel was sent for nothing");
        }
    }

    /**
     * {@code report SWEEP --html}: the page opens in headless Chromium with nothing on its console, and its tables and
     * charts hold every run with the scores Kafka has.
     */
    @SuppressWarnings("unchecked")
    /**
     * schedule.keepCheckpoints: best leaves a finished run its best checkpoint, config, metrics and summary, and nothing
     * of its latest checkpoint. The worker deletes it just after the run's end is published: waited for, a few seconds.
     */
    private static void assertRetained(Path run) throws InterruptedException {
        Path latest = run.resolve("checkpoints").resolve("latest");
        for (int i = 0; i < 100 && Files.exists(latest); i++) {
            Thread.sleep(100);
        }
        assertFalse(Files.exists(latest), latest + " is kept");
        for (String kept : List.of("config.json", "metrics.jsonl", "summary.json", "checkpoints/best/adapter.safetensors")) {
            assertTrue(Files.isRegularFile(run.resolve(kept)), run.resolve(kept) + " was deleted");
        }
    }

    /** schedule.export: [hf, peft] publishes hf for every run and peft for lora and dora, beside the run, as listed. */
    private static void assertExported(JsonNode artifacts, Path run, String method) {
        boolean peft = method.equals("lora") || method.equals("dora");
        assertEquals(peft ? Set.of("run", "hf", "peft") : Set.of("run", "hf"), fieldNames(artifacts), method + ": " + artifacts);
        assertEquals(run.resolve("export/hf").toString(), artifacts.get("hf").asText());
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            assertTrue(Files.isRegularFile(run.resolve("export/hf").resolve(file)), "hf export without " + file);
        }
        if (peft) {
            for (String file : List.of("adapter_config.json", "adapter_model.safetensors")) {
                assertTrue(Files.isRegularFile(Path.of(artifacts.get("peft").asText()).resolve(file)), "peft export without " + file);
            }
        }
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new java.util.TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static void assertReportPage(Path directory, String bootstrap, List<String> runIds, Map<String, RunStatus> statuses)
            throws Exception {
        CliRun reported = CliRun.of("report", "six", "--html", directory.toString(), "--bootstrap-servers", bootstrap);
        assertEquals(0, reported.exitCode(), reported.err());
        assertTrue(reported.out().startsWith("| run | state | dataset | method |"), reported.out());
        assertTrue(reported.err().contains("report written to " + directory.resolve("index.html").toUri()), reported.err());
        try (HeadlessChromium chromium = new HeadlessChromium(1400, 2400)) {
            chromium.open(directory.resolve("index.html"));
            List<org.openqa.selenium.logging.LogEntry> console = chromium.console();
            assertEquals(List.of(), console.stream().map(e -> e.getLevel() + " " + e.getMessage()).toList(), "the page's console");
            List<String> rows = (List<String>) chromium.script("return Array.from(document.querySelectorAll("
                    + "'section[data-dataset=\"glue-sst2\"] tr[data-run]')).map(function (r) { return r.getAttribute('data-run'); });");
            assertEquals(runIds.stream().sorted().toList(), rows.stream().sorted().toList(), "the runs' table");
            assertEquals(statuses.values().stream().mapToDouble(st -> st.getSummary().getBestScore()).max().orElseThrow(),
                    statuses.get(rows.get(0)).getSummary().getBestScore(), 0.0, "the best run first");
            long methodRows = (Long) chromium.script("return document.querySelectorAll('section[data-dataset=\"glue-sst2\"]"
                    + " table')[1].querySelectorAll('tbody tr').length;");
            assertEquals(3, methodRows, "a summary row per method");
            for (String chart : List.of("curves", "losses")) {
                List<List<Object>> series = (List<List<Object>>) chromium.script("return tunestream.charts." + chart
                        + "['glue-sst2'].getOption().series.map(function (s) { return [s.name, s.data]; });");
                assertEquals(6, series.size(), chart);
                for (List<Object> one : series) {
                    List<List<Number>> points = (List<List<Number>>) one.get(1);
                    RunStatus status = statuses.get((String) one.get(0));
                    if (chart.equals("curves")) {
                        // evaluations at steps 5 and 10; the best of them is the run's best score
                        assertEquals(List.of(5L, 10L), points.stream().map(p -> p.get(0).longValue()).toList(), one.toString());
                        assertEquals(status.getSummary().getBestScore(),
                                points.stream().mapToDouble(p -> p.get(1).doubleValue()).max().orElseThrow(), 1e-9, one.toString());
                    } else {
                        assertEquals(10, points.size(), "a loss per step: " + one);
                    }
                }
            }
            List<List<Object>> lines = (List<List<Object>>) chromium.script("var o = tunestream.charts.parallel['glue-sst2']"
                    + ".getOption(); return o.series[0].data.map(function (d) { return [d.name, d.value]; });");
            assertEquals(runIds.stream().sorted().toList(), lines.stream().map(l -> (String) l.get(0)).sorted().toList(),
                    "a parallel-coordinates line per run");
            List<String> axes = (List<String>) chromium.script("return tunestream.charts.parallel['glue-sst2'].getOption()"
                    + ".parallelAxis.map(function (a) { return a.name; });");
            // the settings in which the runs differ, method first: the seed, and the methods' own defaults
            assertEquals("method", axes.get(0), axes.toString());
            assertTrue(axes.contains("seed") && axes.contains("lr") && !axes.contains("rank"), axes.toString());
            assertEquals("accuracy", axes.get(axes.size() - 1), axes.toString());
            for (List<Object> line : lines) {
                List<Object> values = (List<Object>) line.get(1);
                RunStatus status = statuses.get((String) line.get(0));
                assertEquals(axes.size(), values.size(), axes + ": " + line);
                assertEquals(status.getExperiment().get("method"), values.get(0), line.toString());
                assertEquals(status.getSummary().getBestScore(), ((Number) values.get(values.size() - 1)).doubleValue(), 1e-9,
                        line.toString());
            }
            assertEquals(List.of(), chromium.console(), "the page's console after reading its charts");
        }
    }

    private static List<ExperimentRequest> requests(String bootstrap, String topic) {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        return TopicSnapshot.read(props, List.of(topic), Duration.ofSeconds(30)).stream()
                .filter(ExperimentRequest.class::isInstance).map(ExperimentRequest.class::cast).toList();
    }
}
