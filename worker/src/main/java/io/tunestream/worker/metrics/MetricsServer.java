package io.tunestream.worker.metrics;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tunestream.schemas.Health;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Serves a Prometheus registry at {@code /metrics} in the text exposition format. The JDK's own HTTP server: one
 * endpoint scraped every few seconds needs nothing more.
 */
public final class MetricsServer implements AutoCloseable {

    private final HttpServer server;

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    /**
     * Listens on {@code host:port} (port 0: a free one).
     *
     * @throws IllegalArgumentException when the port is taken, naming it
     */
    public static MetricsServer start(PrometheusMeterRegistry registry, String host, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("metrics port must be in 0..65535, got " + port);
        }
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
            server.createContext("/metrics", exchange -> {
                byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            return new MetricsServer(server);
        } catch (BindException e) {
            throw new IllegalArgumentException("metrics port " + port + " on " + host + " is in use; choose another with --metrics-port");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * Also serves the worker's probes (docs/operations.md, "Health"): {@code /healthz/startup}, {@code /healthz/live}
     * and {@code /healthz/ready}, 200 with the reason when up, 503 when not.
     */
    public MetricsServer serveHealth(Supplier<Health> startup, Supplier<Health> liveness, Supplier<Health> readiness) {
        Map.of("/healthz/startup", startup, "/healthz/live", liveness, "/healthz/ready", readiness).forEach((path, probe) ->
                server.createContext(path, exchange -> {
                    Health health = probe.get();
                    byte[] body = health.json().getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().set("Content-Type", "application/json");
                    exchange.sendResponseHeaders(health.httpStatus(), body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                }));
        return this;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
