package io.tunestream.coordinator.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tunestream.coordinator.access.ApiAccess;
import io.tunestream.coordinator.kafka.SweepSubmitter;
import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.coordinator.schedule.Scheduler;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.Health;
import io.tunestream.schemas.RunLog;
import io.tunestream.schemas.RunState;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;

/**
 * The coordinator's HTTP face: a JSON API over its state and the Prometheus metrics Grafana reads.
 *
 * <ul>
 *   <li>{@code GET /api/sweeps}: every sweep with its runs counted by state
 *   <li>{@code GET /api/runs[?sweep=S]}: runs with state, attempt, worker, progress, latest loss, dataset, primary
 *       metric and its best value
 *   <li>{@code GET /api/runs/RUN}: one run, with its final summary when it has one
 *   <li>{@code GET /api/runs/RUN/metrics}: the run's loss per step and primary metric per evaluation
 *   <li>{@code GET /api/runs/RUN/logs}: the run's latest log lines (at most {@link CoordinatorState#LOG_LINES})
 *   <li>{@code POST /api/sweeps[?priority=N]} (body: a sweep, YAML or JSON): plans it and submits the runs not yet
 *       submitted; needs a submitter's token
 *   <li>{@code POST /api/runs/RUN/cancel} (body optional: {@code {"reason": "..."}}): cancels a run that has not
 *       finished; needs a submitter's token
 *   <li>{@code GET /metrics}: runs by state (overall and per sweep), queue depth, live workers, latest loss and best
 *       accuracy per run, JVM and process metrics (docs/metrics.md lists them)
 * </ul>
 *
 * <p>Who may call what: {@link ApiAccess} (docs/operations.md, "API access").
 */
public final class CoordinatorServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final CoordinatorState state;
    private final ApiAccess access;
    /** What the API's mutations act through; null for a server of state alone. */
    private final Coordinator control;
    private final MultiGauge runsByState;
    private final MultiGauge sweepRunsByState;
    private final MultiGauge latestLoss;
    private final MultiGauge bestScore;

    private CoordinatorServer(HttpServer server, CoordinatorState state, PrometheusMeterRegistry registry,
            Supplier<Health> liveness, Supplier<Health> readiness, ApiAccess access, Coordinator control) {
        this.server = server;
        this.state = state;
        this.access = access;
        this.control = control;
        runsByState = MultiGauge.builder("tunestream.runs").description("runs by state").register(registry);
        sweepRunsByState = MultiGauge.builder("tunestream.sweep.runs").description("runs of a sweep by state").register(registry);
        latestLoss = MultiGauge.builder("tunestream.run.latest.loss").description("training loss of a run's latest step").register(registry);
        bestScore = MultiGauge.builder("tunestream.run.best.score")
                .description("best value of a run's primary metric (label metric: its name)").register(registry);
        for (MeterBinder binder : List.of(new JvmMemoryMetrics(), new JvmGcMetrics(), new JvmThreadMetrics(),
                new ClassLoaderMetrics(), new ProcessorMetrics(), new UptimeMetrics())) {
            binder.bindTo(registry);
        }
        server.createContext("/metrics", exchange -> {
            refreshGauges();
            send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
        });
        server.createContext("/api/", this::api);
        // probes (docs/operations.md, "Health"): the scheduler loop's state, not only this server's
        server.createContext("/healthz/live", exchange -> health(exchange, liveness.get()));
        server.createContext("/healthz/ready", exchange -> health(exchange, readiness.get()));
        server.start();
    }

    /**
     * @throws IllegalArgumentException when the port is taken, naming it
     */
    public static CoordinatorServer start(Coordinator coordinator, PrometheusMeterRegistry registry, String host, int port) {
        return start(coordinator, registry, host, port, ApiAccess.readOnly());
    }

    /** As {@link #start(Coordinator, PrometheusMeterRegistry, String, int)}, the API's calls allowed by {@code access}. */
    public static CoordinatorServer start(Coordinator coordinator, PrometheusMeterRegistry registry, String host, int port,
            ApiAccess access) {
        return start(coordinator, registry, host, port, access, Optional.empty());
    }

    /** As above, serving HTTPS with {@code tls} when given ({@link io.tunestream.schemas.Tls#serving}). */
    public static CoordinatorServer start(Coordinator coordinator, PrometheusMeterRegistry registry, String host, int port,
            ApiAccess access, Optional<SSLContext> tls) {
        return start(coordinator.state(), coordinator.scheduler(), registry, host, port, coordinator::liveness,
                coordinator::readiness, access, coordinator, tls);
    }

    /** Serves {@code state} and {@code scheduler}'s queue, however they are fed; always healthy. */
    public static CoordinatorServer start(CoordinatorState state, Scheduler scheduler, PrometheusMeterRegistry registry,
            String host, int port) {
        Supplier<Health> serving = () -> Health.up("serving state; no scheduler runs here");
        return start(state, scheduler, registry, host, port, serving, serving, ApiAccess.readOnly(), null, Optional.empty());
    }

    private static CoordinatorServer start(CoordinatorState state, Scheduler scheduler, PrometheusMeterRegistry registry,
            String host, int port, Supplier<Health> liveness, Supplier<Health> readiness, ApiAccess access,
            Coordinator control, Optional<SSLContext> tls) {
        Gauge.builder("tunestream.queue.depth", scheduler, s -> s.demand(Instant.now()))
                .description("runs that would be training if there were workers enough: dispatched and not started, or"
                        + " waiting and allowed to start by their sweep's limits").register(registry);
        Gauge.builder("tunestream.runs.waiting", scheduler, Scheduler::waitingRuns)
                .description("runs submitted and not yet dispatched, whatever their sweep's limits").register(registry);
        Gauge.builder("tunestream.workers.live", scheduler, s -> s.liveWorkers(Instant.now()))
                .description("workers whose heartbeat is recent").register(registry);
        try {
            InetSocketAddress address = new InetSocketAddress(host, port);
            HttpServer server;
            if (tls.isPresent()) {
                HttpsServer https = HttpsServer.create(address, 0);
                https.setHttpsConfigurator(new HttpsConfigurator(tls.get()));
                server = https;
            } else {
                server = HttpServer.create(address, 0);
            }
            return new CoordinatorServer(server, state, registry, liveness, readiness, access, control);
        } catch (BindException e) {
            throw new IllegalArgumentException("HTTP port " + port + " on " + host + " is in use; choose another with --http-port");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve HTTP on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void refreshGauges() {
        List<RunRecord> runs = state.runs(null);
        Map<RunState, Long> byState = runs.stream().collect(Collectors.groupingBy(RunRecord::state, () -> new java.util.EnumMap<>(RunState.class), Collectors.counting()));
        runsByState.register(Arrays.stream(RunState.values()).filter(s -> s != RunState.UNKNOWN)
                .map(s -> MultiGauge.Row.of(Tags.of("state", s.name()), byState.getOrDefault(s, 0L))).toList(), true);
        Map<List<String>, Long> bySweep = runs.stream().collect(Collectors.groupingBy(
                r -> List.of(r.sweepId(), r.state().name()), Collectors.counting()));
        sweepRunsByState.register(bySweep.entrySet().stream().map(e -> MultiGauge.Row.of(
                Tags.of("sweep", e.getKey().get(0), "state", e.getKey().get(1)), e.getValue())).toList(), true);
        latestLoss.register(runs.stream().filter(r -> r.latestStep() != null)
                .map(r -> MultiGauge.Row.of(runTags(r), r.latestStep().getLoss())).toList(), true);
        bestScore.register(runs.stream().filter(r -> !Double.isNaN(r.bestScore()))
                .map(r -> MultiGauge.Row.of(runTags(r).and("metric", r.metric()), r.bestScore())).toList(), true);
    }

    /** The worker labels a run's series the same way (its RunLabels), so that the two join in queries. */
    private static Tags runTags(RunRecord run) {
        ExperimentRequest request = run.request();
        Integer rank = request == null || request.getAdapter() == null ? null : request.getAdapter().getRank();
        return Tags.of("run", run.runId(), "sweep", run.sweepId(),
                "method", request == null ? "unknown" : request.getMethod().name(),
                "model", request == null ? "unknown" : request.getModel(),
                "rank", request == null ? "unknown" : rank == null ? "default" : rank.toString(),
                "dataset", request == null ? "unknown" : request.getDataset());
    }

    private void api(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (exchange.getRequestMethod().equals("POST")) {
            mutate(exchange, path);
            return;
        }
        if (!exchange.getRequestMethod().equals("GET")) {
            send(exchange, 405, "application/json", "{\"error\":\"use GET to read, POST for /api/sweeps and /api/runs/RUN/cancel\"}");
            return;
        }
        if (authorized(exchange, access.readsProtected() ? Optional.of(ApiAccess.Role.VIEWER) : Optional.empty()).isEmpty()) {
            return;
        }
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        Object body;
        if (path.equals("/api/sweeps")) {
            Map<String, Map<String, Long>> sweeps = new TreeMap<>();
            for (RunRecord run : state.runs(null)) {
                sweeps.computeIfAbsent(run.sweepId(), s -> new TreeMap<>()).merge(run.state().name(), 1L, Long::sum);
            }
            body = sweeps;
        } else if (path.equals("/api/runs")) {
            body = state.runs(query.get("sweep")).stream().map(CoordinatorServer::describe).toList();
        } else if (path.startsWith("/api/runs/") && path.endsWith("/metrics")) {
            String runId = path.substring("/api/runs/".length(), path.length() - "/metrics".length());
            Map<String, Object> series = new LinkedHashMap<>();
            series.put("run", runId);
            series.put("loss", state.losses(runId));
            series.put("metric", state.run(runId).metric());
            series.put("score", state.scores(runId));
            body = series;
        } else if (path.startsWith("/api/runs/") && path.endsWith("/logs")) {
            String runId = path.substring("/api/runs/".length(), path.length() - "/logs".length());
            List<Map<String, Object>> lines = new ArrayList<>();
            for (RunLog line : state.logs(runId)) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("at", line.getTimestamp().toString());
                entry.put("attempt", line.getAttempt());
                entry.put("worker", line.getWorkerId());
                entry.put("level", line.getLevel());
                entry.put("message", line.getMessage());
                lines.add(entry);
            }
            body = lines;
        } else if (path.startsWith("/api/runs/")) {
            RunRecord run = state.run(path.substring("/api/runs/".length()));
            if (run.request() == null && run.status() == null) {
                send(exchange, 404, "application/json", "{\"error\":\"no run " + run.runId().replace("\"", "") + "\"}");
                return;
            }
            Map<String, Object> detail = describe(run);
            detail.put("summary", run.status() == null || run.status().getSummary() == null ? null
                    : JSON.readTree(run.status().getSummary().toString()));
            detail.put("failure", run.status() == null || run.status().getFailure() == null ? null
                    : JSON.readTree(run.status().getFailure().toString()));
            detail.put("experiment", run.status() == null ? Map.of() : run.status().getExperiment());
            detail.put("lineage", run.status() == null || run.status().getLineage() == null ? null
                    : JSON.readTree(run.status().getLineage().toString()));
            body = detail;
        } else {
            send(exchange, 404, "application/json", "{\"error\":\"unknown path; see /api/sweeps, /api/runs, /api/runs/RUN,"
                    + " /api/runs/RUN/metrics, /api/runs/RUN/logs\"}");
            return;
        }
        send(exchange, 200, "application/json", JSON.writeValueAsString(body));
    }

    /** The API's mutations: each needs a token whose role allows it, and is recorded with who made it. */
    private void mutate(HttpExchange exchange, String path) throws IOException {
        boolean cancel = path.startsWith("/api/runs/") && path.endsWith("/cancel");
        if (!cancel && !path.equals("/api/sweeps")) {
            send(exchange, 404, "application/json",
                    "{\"error\":\"unknown mutation; POST /api/sweeps (a sweep) or /api/runs/RUN/cancel\"}");
            return;
        }
        Optional<ApiAccess.Caller> caller = authorized(exchange, Optional.of(ApiAccess.Role.SUBMITTER));
        if (caller.isEmpty()) {
            return;
        }
        if (control == null) {
            send(exchange, 503, "application/json", "{\"error\":\"this server schedules nothing: no runs to cancel here\"}");
            return;
        }
        if (!cancel) {
            submit(exchange, caller.get());
            return;
        }
        String runId = path.substring("/api/runs/".length(), path.length() - "/cancel".length());
        byte[] raw = exchange.getRequestBody().readNBytes(64 * 1024);
        String reason = raw.length == 0 ? null : JSON.readTree(raw).path("reason").asText(null);
        try {
            RunState was = control.cancel(runId, caller.get().toString(), reason);
            send(exchange, 202, "application/json", JSON.writeValueAsString(Map.of("run", runId, "cancelled", true,
                    "was", was.name(), "by", caller.get().toString())));
        } catch (IllegalArgumentException e) {
            send(exchange, 404, "application/json", JSON.writeValueAsString(Map.of("error", e.getMessage())));
        } catch (IllegalStateException e) {
            send(exchange, 409, "application/json", JSON.writeValueAsString(Map.of("error", e.getMessage())));
        }
    }

    /** {@code POST /api/sweeps[?priority=N]}: the body is a sweep (YAML or JSON); the runs not yet submitted are. */
    private void submit(HttpExchange exchange, ApiAccess.Caller caller) throws IOException {
        byte[] raw = exchange.getRequestBody().readNBytes(MAX_SWEEP_BYTES + 1);
        if (raw.length > MAX_SWEEP_BYTES) {
            send(exchange, 413, "application/json", JSON.writeValueAsString(Map.of("error",
                    "a sweep may be at most " + MAX_SWEEP_BYTES + " bytes")));
            return;
        }
        String priority = query(exchange.getRequestURI().getRawQuery()).get("priority");
        try {
            SweepSubmitter.Submission submission = control.submit(new String(raw, StandardCharsets.UTF_8),
                    priority == null ? null : Integer.valueOf(priority), caller.toString());
            send(exchange, 201, "application/json", JSON.writeValueAsString(Map.of("published", submission.published(),
                    "skipped", submission.skipped(), "by", caller.toString())));
        } catch (NumberFormatException e) {
            send(exchange, 400, "application/json", JSON.writeValueAsString(Map.of("error",
                    "priority must be a whole number, got " + priority)));
        } catch (IllegalArgumentException e) {
            send(exchange, 400, "application/json", JSON.writeValueAsString(Map.of("error", e.getMessage())));
        } catch (IllegalStateException e) {
            send(exchange, 503, "application/json", JSON.writeValueAsString(Map.of("error", e.getMessage())));
        }
    }

    /** The largest sweep the API takes: sweep files are a few kilobytes. */
    private static final int MAX_SWEEP_BYTES = 1 << 20;

    /**
     * The caller, when {@code role} allows the request (an open read: present and empty); otherwise the refusal is sent
     * (401 with the scheme to use, or 403) and the result is empty.
     */
    private Optional<ApiAccess.Caller> authorized(HttpExchange exchange, Optional<ApiAccess.Role> role) throws IOException {
        ApiAccess.Result result = access.authorize(exchange.getRequestHeaders().getFirst("Authorization"), role);
        if (result.allowed()) {
            return result.caller().or(() -> Optional.of(ANONYMOUS));
        }
        ApiAccess.Refusal refusal = result.refusal().orElseThrow();
        if (refusal.status() == 401) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        }
        send(exchange, refusal.status(), "application/json", JSON.writeValueAsString(Map.of("error", refusal.reason())));
        return Optional.empty();
    }

    /** Who an open read is from. */
    private static final ApiAccess.Caller ANONYMOUS = new ApiAccess.Caller("anonymous", ApiAccess.Role.VIEWER);

    private static Map<String, Object> describe(RunRecord run) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("run", run.runId());
        row.put("sweep", run.sweepId());
        row.put("state", run.state().name());
        row.put("method", run.request() == null ? null : run.request().getMethod().name());
        row.put("attempt", run.status() == null ? 0 : run.status().getAttempt());
        row.put("failedAttempts", run.status() == null ? 0 : run.status().getFailedAttempts());
        row.put("reason", run.status() == null ? null : run.status().getReason());
        row.put("worker", run.status() == null ? null : run.status().getWorkerId());
        row.put("step", run.status() == null ? 0 : run.status().getStep());
        row.put("totalSteps", run.status() == null ? 0 : run.status().getTotalSteps());
        row.put("latestLoss", run.latestStep() == null ? null : run.latestStep().getLoss());
        row.put("dataset", run.dataset());
        row.put("metric", run.metric());
        row.put("bestScore", Double.isNaN(run.bestScore()) ? null : run.bestScore());
        row.put("artifacts", run.status() == null ? Map.of() : run.status().getArtifacts());
        return row;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                String[] kv = pair.split("=", 2);
                params.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                        kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
            }
        }
        return params;
    }

    private static void health(HttpExchange exchange, Health health) throws IOException {
        send(exchange, health.httpStatus(), "application/json", health.json());
    }

    private static void send(HttpExchange exchange, int status, String type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
