package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tunestream.coordinator.access.ApiAccess;
import io.tunestream.coordinator.service.Coordinator;
import io.tunestream.coordinator.service.CoordinatorServer;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.Tls;
import io.tunestream.worker.service.KafkaFixture;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Submitting and cancelling through the coordinator's API (docs/operations.md, "API access"): refused without a token
 * and with a viewer's, done with a submitter's, the run's history saying who cancelled; an invalid sweep refused with
 * nothing published; reads open or protected by a flag.
 */
class ApiMutationsTest {

    private static final String SUBMITTER = "alice-token-0123456789";
    private static final String VIEWER = "vic-token-0123456789ab";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    @Timeout(180)
    void aCancelNeedsASubmittersTokenAndTheRunSaysWhoCancelledIt(@TempDir Path dir) throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), "alice submitter " + SUBMITTER + "\nvic viewer " + VIEWER + "\n");
        Path aliceToken = Files.writeString(dir.resolve("alice.token"), SUBMITTER + "\n");
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                Coordinator coordinator = Coordinator.start(kafka.clientProperties(), kafka.topics, Coordinator.Settings.defaults());
                CoordinatorServer server = CoordinatorServer.start(coordinator, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                        "127.0.0.1", 0, ApiAccess.fromFile(tokens, false));
                CoordinatorServer protectedServer = CoordinatorServer.start(coordinator,
                        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), "127.0.0.1", 0, ApiAccess.fromFile(tokens, true));
                CoordinatorServer readOnly = CoordinatorServer.start(coordinator,
                        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), "127.0.0.1", 0)) {
            Path sweep = Files.writeString(dir.resolve("api.yaml"), """
                    sweep: api
                    base:
                      model: random:tiny@1
                      dataset: glue-sst2
                      method: lora
                      maxSteps: 4
                    grid:
                      seed: [1, 2]
                    """);
            String base = "http://127.0.0.1:" + server.port();
            HttpResponse<String> viewerSubmit = post(base + "/api/sweeps", VIEWER, Files.readString(sweep));
            assertEquals(403, viewerSubmit.statusCode(), viewerSubmit.body());
            HttpResponse<String> invalid = post(base + "/api/sweeps", SUBMITTER, Files.readString(sweep).replace("maxSteps: 4",
                    "maxSteps: -4"));
            assertEquals(400, invalid.statusCode(), invalid.body());
            assertTrue(invalid.body().contains("base.maxSteps must be at least 0, got -4"), invalid.body());
            CliRun submitted = CliRun.of("submit", sweep.toString(), "--coordinator", base, "--token-file", aliceToken.toString());
            assertEquals(0, submitted.exitCode(), submitted.err());
            assertTrue(submitted.out().startsWith("sweep api: 2 runs published, 0 already submitted"), submitted.out());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (coordinator.state().runs("api").size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            List<String> runs = coordinator.state().runs("api").stream().map(r -> r.runId()).sorted().toList();
            assertEquals(2, runs.size(), "the coordinator knows the sweep's runs");
            CliRun resubmitted = CliRun.of("submit", sweep.toString(), "--coordinator", base, "--token-file", aliceToken.toString());
            assertTrue(resubmitted.out().startsWith("sweep api: 0 runs published, 2 already submitted"), resubmitted.out());
            String cancel = base + "/api/runs/" + runs.get(0) + "/cancel";

            HttpResponse<String> anonymous = post(cancel, null);
            assertEquals(401, anonymous.statusCode(), anonymous.body());
            assertEquals("Bearer", anonymous.headers().firstValue("WWW-Authenticate").orElse(""));
            HttpResponse<String> viewer = post(cancel, VIEWER);
            assertEquals(403, viewer.statusCode(), viewer.body());
            assertTrue(viewer.body().contains("vic (viewer) may not do this: it needs the role submitter"), viewer.body());
            HttpResponse<String> noTokens = post("http://127.0.0.1:" + readOnly.port() + "/api/runs/" + runs.get(0) + "/cancel", SUBMITTER);
            assertEquals(403, noTokens.statusCode(), "a coordinator without tokens takes no mutation: " + noTokens.body());

            CliRun cancelled = CliRun.of("cancel", runs.get(0), "--coordinator", base, "--token-file", aliceToken.toString(),
                    "--reason", "wrong learning rate");
            assertEquals(0, cancelled.exitCode(), cancelled.err());
            assertTrue(cancelled.out().contains(runs.get(0) + " (alice (submitter))"), cancelled.out());
            RunStatus status = kafka.awaitState(runs.get(0), RunState.CANCELLED, Duration.ofSeconds(60));
            assertEquals("cancelled by alice (submitter): wrong learning rate", status.getReason());
            assertEquals(RunState.QUEUED, coordinator.state().run(runs.get(1)).state(), "the other run is untouched");

            HttpResponse<String> again = post(cancel, SUBMITTER);
            assertEquals(409, again.statusCode(), again.body());
            assertEquals(404, post(base + "/api/runs/no-such-run/cancel", SUBMITTER).statusCode());

            assertEquals(200, get(base + "/api/runs", null).statusCode(), "reads are open by default");
            String protectedRuns = "http://127.0.0.1:" + protectedServer.port() + "/api/runs";
            assertEquals(401, get(protectedRuns, null).statusCode(), "with --protect-reads a read needs a token");
            HttpResponse<String> read = get(protectedRuns, VIEWER);
            assertEquals(200, read.statusCode());
            assertTrue(read.body().contains(runs.get(1)), read.body());
        }
    }

    /**
     * With --tls-keystore the API is HTTPS only: a cancel through it with the coordinator's certificate trusted works,
     * and the CLI without that trust is refused with the reason.
     */
    @Test
    @Timeout(180)
    void overTlsACancelWorksForAClientThatTrustsTheCoordinatorsCertificate(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("coordinator.p12");
        Path certificate = dir.resolve("coordinator.pem");
        KafkaSecurityTest.keytool("-genkeypair", "-alias", "coordinator", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=IP:127.0.0.1", "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", "tls-secret", "-keypass", "tls-secret");
        KafkaSecurityTest.keytool("-exportcert", "-rfc", "-alias", "coordinator", "-keystore", keystore.toString(),
                "-storepass", "tls-secret", "-file", certificate.toString());
        Path tokens = Files.writeString(dir.resolve("tokens"), "alice submitter " + SUBMITTER + "\n");
        Path aliceToken = Files.writeString(dir.resolve("alice.token"), SUBMITTER);
        try (KafkaFixture kafka = new KafkaFixture(Map.of(), 1);
                Coordinator coordinator = Coordinator.start(kafka.clientProperties(), kafka.topics, Coordinator.Settings.defaults());
                CoordinatorServer server = CoordinatorServer.start(coordinator, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                        "127.0.0.1", 0, ApiAccess.fromFile(tokens, false),
                        Optional.of(Tls.serving(keystore, "tls-secret".toCharArray())))) {
            Path sweep = Files.writeString(dir.resolve("tls.yaml"), """
                    sweep: tls
                    base:
                      model: random:tiny@1
                      dataset: glue-sst2
                      method: lora
                      maxSteps: 4
                    """);
            assertEquals(0, CliRun.of("submit", sweep.toString(), "--bootstrap-servers", kafka.broker.bootstrapServers()).exitCode());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (coordinator.state().runs("tls").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            String run = coordinator.state().runs("tls").get(0).runId();
            String https = "https://127.0.0.1:" + server.port();
            assertThrows(IOException.class, () -> get("http://127.0.0.1:" + server.port() + "/api/runs", null),
                    "plain HTTP to the TLS port");
            CliRun untrusted = CliRun.of("cancel", run, "--coordinator", https, "--token-file", aliceToken.toString());
            assertNotEquals(0, untrusted.exitCode(), untrusted.out());
            assertTrue(untrusted.err().contains("PKIX") || untrusted.err().toLowerCase(Locale.ROOT).contains("certificat"),
                    untrusted.err());
            CliRun trusted = CliRun.of("cancel", run, "--coordinator", https, "--coordinator-ca", certificate.toString(),
                    "--token-file", aliceToken.toString());
            assertEquals(0, trusted.exitCode(), trusted.err());
            assertEquals("cancelled by alice (submitter)",
                    kafka.awaitState(run, RunState.CANCELLED, Duration.ofSeconds(60)).getReason());
        }
    }

    private static HttpResponse<String> post(String url, String token) throws Exception {
        return post(url, token, "");
    }

    private static HttpResponse<String> post(String url, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
