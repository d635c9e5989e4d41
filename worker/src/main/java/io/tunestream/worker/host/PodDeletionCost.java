package io.tunestream.worker.host;

import io.tunestream.schemas.Tls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this worker's pod annotated with how much it costs to delete it (Kubernetes'
 * {@value #ANNOTATION}): {@value #BUSY} while it trains a run, {@value #IDLE} otherwise. When KEDA scales the workers
 * down, the ReplicaSet deletes the pods with the lowest cost first, so idle workers go before busy ones
 * (docs/operations.md, "Scale"). The pod patches itself through the Kubernetes API with its service account, which
 * deploy/k8s/worker.yaml allows to patch pods. Patches run on a thread of their own, the latest state winning, so a
 * slow or refusing API server never holds up training: a failure is logged, and the next change tries again.
 */
public final class PodDeletionCost implements AutoCloseable {

    public static final String ANNOTATION = "controller.kubernetes.io/pod-deletion-cost";
    public static final int BUSY = 1000;
    public static final int IDLE = 0;

    private static final Logger LOG = LoggerFactory.getLogger(PodDeletionCost.class);
    private static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http;
    private final URI pod;
    private final Supplier<String> token;
    private final ExecutorService patches = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "pod-deletion-cost");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean busy;

    /**
     * @param apiServer the Kubernetes API's base address
     * @param token the bearer token, read at every patch (service account tokens are rotated)
     */
    public PodDeletionCost(HttpClient http, URI apiServer, String namespace, String podName, Supplier<String> token) {
        this.http = http;
        this.pod = apiServer.resolve("/api/v1/namespaces/" + namespace + "/pods/" + podName);
        this.token = token;
    }

    /**
     * The pod this process runs in, from what Kubernetes gives every pod: the API server's address
     * ({@code KUBERNETES_SERVICE_HOST}, {@code KUBERNETES_SERVICE_PORT}), the service account's token and CA certificate,
     * and the pod's name and namespace ({@code POD_NAME}, {@code POD_NAMESPACE}, which worker.yaml sets from the pod's
     * fields).
     *
     * @throws IllegalStateException naming what is missing, outside Kubernetes
     */
    public static PodDeletionCost inCluster(Map<String, String> environment) {
        for (String variable : new String[] {"KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "POD_NAME", "POD_NAMESPACE"}) {
            if (environment.getOrDefault(variable, "").isBlank()) {
                throw new IllegalStateException("--pod-deletion-cost needs the environment of a Kubernetes pod: " + variable
                        + " is not set (deploy/k8s/worker.yaml sets POD_NAME and POD_NAMESPACE)");
            }
        }
        Path tokenFile = SERVICE_ACCOUNT.resolve("token");
        Path ca = SERVICE_ACCOUNT.resolve("ca.crt");
        if (!Files.isReadable(tokenFile) || !Files.isReadable(ca)) {
            throw new IllegalStateException("--pod-deletion-cost needs the pod's service account token and CA in " + SERVICE_ACCOUNT);
        }
        HttpClient http = HttpClient.newBuilder().sslContext(Tls.trusting(ca)).connectTimeout(TIMEOUT).build();
        URI apiServer = URI.create("https://" + environment.get("KUBERNETES_SERVICE_HOST") + ":"
                + environment.get("KUBERNETES_SERVICE_PORT"));
        return new PodDeletionCost(http, apiServer, environment.get("POD_NAMESPACE"), environment.get("POD_NAME"), () -> {
            try {
                return Files.readString(tokenFile).strip();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the service account token " + tokenFile + ": " + e.getMessage(), e);
            }
        });
    }

    /** The worker started or finished a run: annotates the pod with {@value #BUSY} or {@value #IDLE}. */
    public void busy(boolean busy) {
        this.busy = busy;
        patches.submit(this::patchLatest);
    }

    private void patchLatest() {
        int cost = busy ? BUSY : IDLE;
        String body = "{\"metadata\":{\"annotations\":{\"" + ANNOTATION + "\":\"" + cost + "\"}}}";
        try {
            HttpRequest request = HttpRequest.newBuilder(pod).timeout(TIMEOUT)
                    .header("Authorization", "Bearer " + token.get())
                    .header("Content-Type", "application/merge-patch+json")
                    .method("PATCH", HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                LOG.warn("could not set {}={} on {}: the API server answered {}: {}", ANNOTATION, cost, pod,
                        response.statusCode(), response.body().lines().findFirst().orElse(""));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not set {}={} on {}: {}", ANNOTATION, cost, pod, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lets the patch in flight finish (a few seconds at most), then stops. */
    @Override
    public void close() {
        patches.shutdown();
        try {
            patches.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
