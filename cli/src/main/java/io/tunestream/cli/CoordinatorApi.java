package io.tunestream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.schemas.Tls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The options of a command that can act through the coordinator's API instead of writing Kafka (docs/operations.md,
 * "API access"): where it is, the caller's token, and the certificates to trust for HTTPS.
 */
final class CoordinatorApi {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--coordinator", paramLabel = "URL", description = "Act through the coordinator's API (e.g."
            + " https://coordinator:8080) with a submitter's token, instead of writing Kafka (docs/operations.md, \"API access\").")
    URI coordinator;

    @Option(names = "--token-file", paramLabel = "FILE", description = "The API token, with --coordinator (default: $TUNESTREAM_TOKEN).")
    Path tokenFile;

    @Option(names = "--coordinator-ca", paramLabel = "FILE", description = "PEM certificates to trust for an https"
            + " --coordinator with a private CA or a self-signed certificate (default: the JVM's trusted CAs).")
    Path coordinatorCa;

    private HttpClient http;
    private String token;

    boolean enabled() {
        return coordinator != null;
    }

    URI coordinator() {
        return coordinator;
    }

    /** GET of {@code path}; its JSON answer, or an error naming what was asked and the coordinator's answer. */
    JsonNode get(String path, String what) throws IOException, InterruptedException {
        return answer(client().send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString()), what);
    }

    /** POST of a JSON body to {@code path}. */
    JsonNode post(String path, String json, String what) throws IOException, InterruptedException {
        return answer(client().send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString()), what);
    }

    private HttpRequest.Builder request(String path) throws IOException {
        return HttpRequest.newBuilder(coordinator.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token());
    }

    private HttpClient client() {
        if (http == null) {
            HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
            if (coordinatorCa != null) {
                builder.sslContext(Tls.trusting(coordinatorCa));
            }
            http = builder.build();
        }
        return http;
    }

    private String token() throws IOException {
        if (token == null) {
            token = tokenFile != null ? Files.readString(tokenFile).strip() : System.getenv("TUNESTREAM_TOKEN");
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException("--coordinator needs a token: --token-file FILE or $TUNESTREAM_TOKEN");
            }
        }
        return token;
    }

    private static JsonNode answer(HttpResponse<String> response, String what) throws IOException {
        JsonNode body = response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalArgumentException(what + ": the coordinator answered " + response.statusCode() + ": "
                    + body.path("error").asText(response.body()));
        }
        return body;
    }
}
