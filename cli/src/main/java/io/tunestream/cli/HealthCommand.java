package io.tunestream.cli;

import io.tunestream.schemas.IoErrors;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tunestream health URL}: asks a health endpoint and exits 0 when it answers 200, 1 otherwise. The images have
 * no shell and no curl; compose's healthchecks run this (docs/operations.md, "Health").
 */
@Command(name = "health", mixinStandardHelpOptions = true,
        description = "Ask a worker's or the coordinator's health endpoint (e.g. http://127.0.0.1:9400/healthz/ready);"
                + " exit 0 when it answers 200, 1 when it answers otherwise or not at all.")
final class HealthCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "URL", description = "The endpoint: http://HOST:PORT/healthz/live, /ready or (workers) /startup.")
    URI url;

    @Option(names = "--timeout", defaultValue = "5", paramLabel = "SECONDS", description = "How long to wait for the answer"
            + " (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws InterruptedException {
        if (!"http".equals(url.getScheme()) || url.getHost() == null) {
            throw new IllegalArgumentException("'" + url + "' is not an http://HOST:PORT/PATH address");
        }
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("--timeout must be at least 1 second, got " + timeoutSeconds);
        }
        PrintWriter out = spec.commandLine().getOut();
        try {
            HttpResponse<String> answer = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(timeoutSeconds)).build()
                    .send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(timeoutSeconds)).build(),
                            HttpResponse.BodyHandlers.ofString());
            out.println(answer.statusCode() + " " + answer.body().strip());
            out.flush();
            return answer.statusCode() == 200 ? 0 : 1;
        } catch (IOException e) {
            out.println("no answer from " + url + ": " + IoErrors.reason(null, e));
            out.flush();
            return 1;
        }
    }
}
