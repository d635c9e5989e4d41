package io.tunestream.cli.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real Prometheus process (Debian's package) on loopback, scraping the given targets every second, with its
 * database in a temporary directory; and its HTTP API.
 */
final class PrometheusServer implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path log;
    private final int port;

    private PrometheusServer(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** The binary: {@code $PROMETHEUS_BINARY}, else {@code prometheus} on the PATH. */
    static Optional<Path> binary() {
        String configured = System.getenv("PROMETHEUS_BINARY");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured)).filter(Files::isExecutable);
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return Stream.of(path.split(":")).map(dir -> Path.of(dir, "prometheus")).filter(Files::isExecutable).findFirst();
    }

    /**
     * Starts Prometheus scraping {@code targets} (job name to host:port) and waits until it is ready.
     *
     * @throws AssertionError when it does not become ready within 60 s, with the end of its log
     */
    static PrometheusServer start(Path binary, Path directory, List<ScrapeJob> targets) throws IOException, InterruptedException {
        StringBuilder config = new StringBuilder("""
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                scrape_configs:
                """);
        for (ScrapeJob job : targets) {
            config.append("  - job_name: ").append(job.name()).append('\n')
                    .append("    static_configs:\n      - targets: ['").append(job.target()).append("']\n");
        }
        Path configFile = Files.writeString(directory.resolve("prometheus.yml"), config);
        Path log = directory.resolve("prometheus.log");
        int port = freePort();
        Process process = new ProcessBuilder(binary.toString(), "--config.file=" + configFile,
                "--storage.tsdb.path=" + Files.createDirectories(directory.resolve("tsdb")),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(process, log, port);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (int attempt = 0; attempt < 600 && System.nanoTime() < deadline; attempt++) {
            if (!process.isAlive()) {
                throw new AssertionError("prometheus exited with " + process.exitValue() + ":\n" + server.logTail());
            }
            if (server.ready()) {
                return server;
            }
            Thread.sleep(100);
        }
        server.close();
        throw new AssertionError("prometheus was not ready within 60 s:\n" + server.logTail());
    }

    /** One scrape job: a job name and a host:port whose /metrics it scrapes. */
    record ScrapeJob(String name, String target) {}

    /** The result of an instant query: the {@code data} object of Prometheus' answer. */
    JsonNode query(String expression) throws IOException, InterruptedException {
        return get("/api/v1/query?query=" + URLEncoder.encode(expression, StandardCharsets.UTF_8));
    }

    /** Values of {@code label} over the series that {@code selector} matches. */
    List<String> labelValues(String label, String selector) throws IOException, InterruptedException {
        JsonNode values = get("/api/v1/label/" + label + "/values?match[]=" + URLEncoder.encode(selector, StandardCharsets.UTF_8));
        return Stream.of(JSON.treeToValue(values, String[].class)).sorted().toList();
    }

    /**
     * Waits until every target has been scraped successfully: Prometheus applies new targets only every few seconds,
     * and a counter's increase is seen only from its first scrape on.
     */
    void awaitTargetsUp(int targets, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int attempt = 0; attempt < 1000 && System.nanoTime() < deadline; attempt++) {
            if (query("up == 1").path("result").size() == targets) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("prometheus did not scrape " + targets + " targets within " + timeout + ": " + targetHealth());
    }

    /** The health of every scrape target, e.g. "tunestream-worker up". */
    List<String> targetHealth() throws IOException, InterruptedException {
        JsonNode active = get("/api/v1/targets").path("activeTargets");
        return Stream.iterate(0, i -> i < active.size(), i -> i + 1).map(active::get)
                .map(t -> t.path("labels").path("job").asText() + " " + t.path("health").asText() + " " + t.path("lastError").asText())
                .toList();
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(response.body());
        if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new AssertionError("prometheus refused " + path + ": " + response.body());
        }
        return body.path("data");
    }

    private boolean ready() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
