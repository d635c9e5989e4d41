package io.tunestream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunestream.worker.store.StoreLocation;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** deploy/compose/docker-compose.yml and its Prometheus configuration agree with the code they start. */
class ComposeFileTest {

    private static final Path COMPOSE_DIR = DeployFiles.root().resolve("compose");
    private static final JsonNode COMPOSE = DeployFiles.yaml(COMPOSE_DIR.resolve("docker-compose.yml"));
    private static final JsonNode SERVICES = COMPOSE.path("services");
    private static final JsonNode PROMETHEUS = DeployFiles.yaml(COMPOSE_DIR.resolve("prometheus.yml"));
    /** ${NAME:-default} in a compose value. */
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    @Test
    void everyServiceOfTheDeploymentIsThere() {
        List<String> names = new ArrayList<>();
        SERVICES.fieldNames().forEachRemaining(names::add);
        assertEquals(Set.of("kafka", "coordinator", "worker", "prometheus", "grafana"), Set.copyOf(names));
    }

    @Test
    void kafkaIsASingleKraftNodeThatServesShareGroups() {
        JsonNode kafka = SERVICES.path("kafka");
        String image = withDefaults(kafka.path("image").asText());
        Matcher version = Pattern.compile("^apache/kafka:(\\d+)\\.(\\d+)").matcher(image);
        assertTrue(version.find(), "Kafka must be the official apache/kafka image, not " + image);
        int major = Integer.parseInt(version.group(1));
        int minor = Integer.parseInt(version.group(2));
        assertTrue(major > 4 || (major == 4 && minor >= 2), "share groups need Kafka 4.2 or later, not " + image);
        JsonNode env = kafka.path("environment");
        assertEquals("broker,controller", env.path("KAFKA_PROCESS_ROLES").asText(), "one KRaft node is broker and controller");
        // docs/operations.md (Docker compose): without these a single node's share consumers silently receive nothing.
        assertEquals("1", env.path("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR").asText());
        assertEquals("1", env.path("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR").asText());
        assertEquals("1", env.path("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR").asText());
        assertTrue(env.path("KAFKA_ADVERTISED_LISTENERS").asText().contains("//" + kafkaAddress()),
                "Kafka advertises " + env.path("KAFKA_ADVERTISED_LISTENERS").asText() + ", clients use " + kafkaAddress());
    }

    @Test
    void workerFlagsAreTheWorkerCommandsAndItScalesWithAGpuEach() {
        JsonNode worker = SERVICES.path("worker");
        Map<String, String> flags = CommandLineFlags.parse("worker", strings(worker.path("command")), Map.of());
        assertEquals(kafkaAddress(), flags.get("--bootstrap-servers"));
        assertEquals(String.valueOf(workerScrapePort()), flags.get("--metrics-port"),
                "Prometheus scrapes workers on the port they are told to serve metrics on");
        String metricsHost = flags.getOrDefault("--metrics-host", CommandLineFlags.defaultValue("worker", "--metrics-host"));
        assertEquals("0.0.0.0", metricsHost, "Prometheus reaches the worker from another container");

        assertTrue(worker.path("container_name").isMissingNode(), "a fixed container name prevents --scale");
        assertTrue(worker.path("ports").isMissingNode(), "published host ports prevent --scale");
        JsonNode devices = worker.at("/deploy/resources/reservations/devices");
        assertTrue(devices.isArray() && devices.size() == 1, "the worker reserves a GPU");
        assertEquals("nvidia", devices.get(0).path("driver").asText());
        assertEquals(1, devices.get(0).path("count").asInt());
        assertTrue(strings(devices.get(0).path("capabilities")).contains("gpu"));

        List<String> mounts = strings(worker.path("volumes")).stream().map(v -> withDefaults(v).split(":")[1]).toList();
        for (String dirFlag : List.of("--checkpoint-store", "--data-dir", "--model-root")) {
            assertTrue(mounts.contains(flags.get(dirFlag)), dirFlag + " " + flags.get(dirFlag) + " is not mounted: " + mounts);
        }
        assertTrue(durationSeconds(worker.path("stop_grace_period").asText()) > CommandLineFlags.workerShutdownGrace().toSeconds(),
                "docker must wait longer than the worker takes to hand its run back");
    }

    /**
     * docker-compose.s3.yml: the workers keep the base file's flags, name a bucket the file creates on the server it
     * starts, share no volume, and take credentials from the environment only.
     */
    @Test
    void theS3OverridePointsTheWorkersAtTheBucketItCreatesWithCredentialsFromTheEnvironment() {
        JsonNode services = DeployFiles.yaml(COMPOSE_DIR.resolve("docker-compose.s3.yml")).path("services");
        JsonNode worker = services.path("worker");
        Map<String, String> flags = CommandLineFlags.parse("worker",
                strings(worker.path("command")).stream().map(ComposeFileTest::withDefaults).toList(), Map.of());
        Map<String, String> base = CommandLineFlags.parse("worker", strings(SERVICES.path("worker").path("command")), Map.of());
        base.forEach((flag, value) -> {
            if (!flag.equals("--checkpoint-store")) {
                assertEquals(value, flags.get(flag), flag + " differs from the base file's: compose replaces the whole command");
            }
        });
        URI endpoint = URI.create(flags.get("--s3-endpoint"));
        StoreLocation store = StoreLocation.parse(flags.get("--checkpoint-store"), Optional.of(endpoint),
                StoreLocation.DEFAULT_REGION, Path.of(flags.get("--work-dir")));
        String bucket = assertInstanceOf(StoreLocation.S3.class, store).bucket();
        assertTrue(services.has(endpoint.getHost()), "the endpoint " + endpoint + " is no service of the file");
        assertEquals(9000, endpoint.getPort(), "MinIO's S3 port");
        String created = strings(services.path("minio-bucket").path("entrypoint")).get(2);
        assertTrue(created.contains("http://" + endpoint.getHost() + ":9000") && created.endsWith("mc mb --ignore-existing store/" + bucket),
                created);
        assertEquals("service_completed_successfully", worker.at("/depends_on/minio-bucket/condition").asText(),
                "a worker refuses to start before its bucket exists");

        List<String> volumes = strings(worker.path("volumes"));
        assertTrue(volumes.stream().noneMatch(v -> v.startsWith("checkpoints:")), "the shared volume is still mounted: " + volumes);
        assertTrue(volumes.contains(flags.get("--work-dir")), "--work-dir is not a volume of its own: " + volumes);
        List<String> mounts = volumes.stream().map(v -> withDefaults(v).split(":")).filter(v -> v.length > 1).map(v -> v[1]).toList();
        assertTrue(mounts.containsAll(List.of(flags.get("--data-dir"), flags.get("--model-root"))), mounts.toString());

        for (String variable : List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")) {
            for (JsonNode service : List.of(worker, services.path("minio-bucket"))) {
                assertTrue(service.path("environment").path(variable).asText().startsWith("${" + variable + ":?"),
                        variable + " must come from the environment, never the file: " + service.path("environment"));
            }
        }
    }

    @Test
    void coordinatorFlagsAreTheCoordinatorsAndPrometheusScrapesItsPort() {
        JsonNode coordinator = SERVICES.path("coordinator");
        Map<String, String> flags = CommandLineFlags.parse("coordinator", strings(coordinator.path("command")), Map.of());
        String httpPort = flags.getOrDefault("--http-port", CommandLineFlags.defaultValue("coordinator", "--http-port"));
        String variable = CommandLineFlags.environmentVariableOf("coordinator", "--bootstrap-servers");
        assertEquals(kafkaAddress(), coordinator.path("environment").path(variable).asText(),
                "the coordinator finds Kafka through " + variable);
        assertEquals(List.of("coordinator:" + httpPort), strings(scrapeJob("tunestream-coordinator").at("/static_configs/0/targets")));
        assertTrue(strings(coordinator.path("ports")).stream().anyMatch(p -> p.endsWith(":" + httpPort)), "the API port is published");
    }

    @Test
    void prometheusFindsEveryWorkerReplicaByServiceNameAtTheEndpointsRealPath() {
        JsonNode workers = scrapeJob("tunestream-worker");
        JsonNode dns = workers.at("/dns_sd_configs/0");
        assertEquals(List.of("worker"), strings(dns.path("names")), "the service name resolves to every replica");
        assertEquals("A", dns.path("type").asText());
        // The servers answer 200 at the path Prometheus asks for (404 elsewhere); the coordinator's has its gauges.
        LiveEndpoints.workerScrape(workers.path("metrics_path").asText("/metrics"));
        String coordinator = LiveEndpoints.coordinatorScrape(scrapeJob("tunestream-coordinator").path("metrics_path").asText("/metrics"));
        assertTrue(LiveEndpoints.metricNames(coordinator).contains("tunestream_queue_depth"), coordinator);
        assertTrue(strings(SERVICES.path("prometheus").path("volumes")).contains("./prometheus.yml:/etc/prometheus/prometheus.yml:ro"));
    }

    /** Grafana's admin password comes from the environment, with no default: compose refuses to start without one. */
    @Test
    void grafanaHasNoDefaultAdminPassword() {
        String password = SERVICES.path("grafana").path("environment").path("GF_SECURITY_ADMIN_PASSWORD").asText();
        assertTrue(password.startsWith("${GRAFANA_ADMIN_PASSWORD:?"), "the admin password must be required, got " + password);
    }

    @Test
    void grafanaIsProvisionedFromTheRepositorysGrafanaDirectory() {
        List<String> volumes = strings(SERVICES.path("grafana").path("volumes"));
        assertTrue(volumes.contains("../../grafana/provisioning:/etc/grafana/provisioning:ro"), volumes.toString());
        // the dashboards go where the repository's dashboard provider looks for them
        String providerPath = DeployFiles.yaml(DeployFiles.repositoryRoot().resolve("grafana/provisioning/dashboards/tunestream.yaml"))
                .at("/providers/0/options/path").asText();
        assertTrue(volumes.contains("../../grafana/dashboards:" + providerPath + ":ro"), providerPath + " not mounted: " + volumes);
        for (String volume : volumes) {
            Path host = COMPOSE_DIR.resolve(volume.split(":")[0]).normalize();
            assertTrue(host.startsWith(DeployFiles.repositoryRoot()), volume + " leaves the repository");
        }
    }

    @Test
    void everyFileTheComposeFileMountsFromTheRepositoryExists() {
        // grafana/ (dashboards and provisioning) is written alongside this directory; until it is in the checkout
        // there is nothing to compare with. Once it is, every directory mounted from it must exist.
        Assumptions.assumeTrue(Files.isDirectory(DeployFiles.repositoryRoot().resolve("grafana")), "no grafana/ in this checkout yet");
        for (String name : List.of("prometheus", "grafana")) {
            for (String volume : strings(SERVICES.path(name).path("volumes"))) {
                String source = volume.split(":")[0];
                if (source.startsWith(".")) {
                    Path host = COMPOSE_DIR.resolve(source).normalize();
                    assertTrue(Files.exists(host), name + " mounts " + host + ", which does not exist");
                }
            }
        }
    }

    private static String kafkaAddress() {
        String listeners = SERVICES.path("kafka").path("environment").path("KAFKA_LISTENERS").asText();
        Matcher port = Pattern.compile("PLAINTEXT://[^:]*:(\\d+)").matcher(listeners);
        assertTrue(port.find(), "Kafka has no PLAINTEXT listener: " + listeners);
        return "kafka:" + port.group(1);
    }

    private static int workerScrapePort() {
        return scrapeJob("tunestream-worker").at("/dns_sd_configs/0/port").asInt();
    }

    private static JsonNode scrapeJob(String name) {
        return StreamSupport.stream(PROMETHEUS.path("scrape_configs").spliterator(), false)
                .filter(job -> job.path("job_name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("prometheus.yml has no job " + name));
    }

    private static String withDefaults(String value) {
        return VARIABLE.matcher(value).replaceAll(match -> match.group(2) == null ? "" : match.group(2));
    }

    private static long durationSeconds(String composeDuration) {
        Matcher matcher = Pattern.compile("^(\\d+)s$").matcher(composeDuration);
        assertTrue(matcher.matches(), "expected a duration in seconds, got " + composeDuration);
        return Long.parseLong(matcher.group(1));
    }

    static List<String> strings(JsonNode array) {
        assertTrue(array.isArray(), "expected a list, got " + array);
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }
}
