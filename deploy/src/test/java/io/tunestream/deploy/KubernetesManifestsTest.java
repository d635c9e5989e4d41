package io.tunestream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.fge.jsonpatch.JsonPatch;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.tunestream.schemas.RunState;
import io.tunestream.worker.store.StoreLocation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every manifest in deploy/k8s reads into typed Kubernetes objects and agrees with the code it deploys. */
class KubernetesManifestsTest {

    private static final Path K8S = DeployFiles.root().resolve("k8s");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final List<HasMetadata> OBJECTS = readManifests();
    /** $(NAME): a reference Kubernetes expands from the container's environment. */
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    @Test
    void everyManifestReadsIntoTypedObjectsAndOnlyTheScaledObjectIsGeneric() {
        Set<String> kinds = OBJECTS.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("Namespace/tunestream", "ConfigMap/tunestream-config", "ConfigMap/tunestream-prometheus",
                "PersistentVolumeClaim/tunestream-checkpoints", "PersistentVolumeClaim/tunestream-data",
                "PersistentVolumeClaim/tunestream-models", "Deployment/tunestream-coordinator", "Service/tunestream-coordinator",
                "Deployment/tunestream-worker", "ScaledObject/tunestream-worker", "ServiceAccount/tunestream-prometheus",
                "Role/tunestream-prometheus", "RoleBinding/tunestream-prometheus", "ServiceAccount/tunestream-worker",
                "Role/tunestream-worker", "RoleBinding/tunestream-worker"), kinds);
        for (HasMetadata object : OBJECTS) {
            boolean keda = object.getApiVersion().startsWith("keda.sh/");
            assertEquals(keda, object instanceof GenericKubernetesResource,
                    object.getKind() + " read as " + object.getClass().getSimpleName() + ": only KEDA's custom resource has no model class");
        }
    }

    @Test
    void kustomizationListsEveryManifestAndNamesTheNamespace() throws IOException {
        JsonNode kustomization = DeployFiles.yaml(K8S.resolve("kustomization.yaml"));
        Set<String> listed = new TreeSet<>(ComposeFileTest.strings(kustomization.path("resources")));
        try (Stream<Path> files = Files.list(K8S)) {
            Set<String> manifests = files.map(f -> f.getFileName().toString())
                    .filter(name -> name.endsWith(".yaml") && !name.equals("kustomization.yaml")).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(manifests, listed);
        }
        assertEquals(object("Namespace", "tunestream").getMetadata().getName(), kustomization.path("namespace").asText());
        Set<String> images = new TreeSet<>(kustomization.findValuesAsText("name"));
        for (Deployment deployment : List.of(deployment("tunestream-worker"), deployment("tunestream-coordinator"))) {
            String image = container(deployment).getImage();
            assertTrue(images.contains(image.substring(0, image.indexOf(':'))), "kustomization does not retag " + image);
        }
    }

    @Test
    void workerArgumentsAreTheWorkerCommandsAndItGetsAGpu() {
        Deployment worker = deployment("tunestream-worker");
        Container container = container(worker);
        Map<String, String> flags = parseArgs("worker", container);
        assertEquals("$(" + bootstrapVariable() + ")", flags.get("--bootstrap-servers"));
        assertEquals(new Quantity("1"), container.getResources().getLimits().get("nvidia.com/gpu"), "one GPU per worker");
        assertEquals("0.0.0.0", flags.getOrDefault("--metrics-host", CommandLineFlags.defaultValue("worker", "--metrics-host")));
        assertScrapedOn(worker.getSpec().getTemplate(), container, flags.get("--metrics-port"));
        assertMounted(container, flags.get("--checkpoint-store"), flags.get("--data-dir"), flags.get("--model-root"),
                Path.of(flags.get("--client-properties")).getParent().toString());
        long grace = worker.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
        assertTrue(grace > CommandLineFlags.workerShutdownGrace().toSeconds(),
                "Kubernetes kills the worker after " + grace + " s, before it has handed its run back");
    }

    /**
     * Busy workers are deleted last on scale-down: the worker keeps its pod-deletion cost up to date, which needs the
     * pod's name and namespace from its own fields and a service account whose Role lets it patch pods.
     */
    @Test
    void theWorkerKeepsItsPodDeletionCostWithAServiceAccountThatMayPatchPods() {
        Deployment worker = deployment("tunestream-worker");
        Container container = container(worker);
        assertEquals("true", parseArgs("worker", container).get("--pod-deletion-cost"));
        Map<String, String> fields = new LinkedHashMap<>();
        container.getEnv().stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null)
                .forEach(e -> fields.put(e.getName(), e.getValueFrom().getFieldRef().getFieldPath()));
        assertEquals("metadata.name", fields.get("POD_NAME"));
        assertEquals("metadata.namespace", fields.get("POD_NAMESPACE"));
        var pod = worker.getSpec().getTemplate().getSpec();
        assertTrue(pod.getAutomountServiceAccountToken() == null || pod.getAutomountServiceAccountToken(),
                "the token must be mounted: the worker patches through the API with it");
        ServiceAccount account = (ServiceAccount) object("ServiceAccount", pod.getServiceAccountName());
        RoleBinding binding = OBJECTS.stream().filter(RoleBinding.class::isInstance).map(RoleBinding.class::cast)
                .filter(b -> b.getSubjects().stream().anyMatch(subject -> subject.getKind().equals("ServiceAccount")
                        && subject.getName().equals(account.getMetadata().getName())))
                .findFirst().orElseThrow(() -> new AssertionError("no RoleBinding for " + account.getMetadata().getName()));
        Role role = (Role) object("Role", binding.getRoleRef().getName());
        assertTrue(role.getRules().stream().anyMatch(rule -> rule.getApiGroups().contains("") && rule.getResources().contains("pods")
                && rule.getVerbs().contains("patch")), "the worker's Role does not let it patch pods: " + role.getRules());
        assertTrue(role.getRules().stream().allMatch(rule -> rule.getResources().equals(List.of("pods"))
                && rule.getVerbs().equals(List.of("patch"))), "the worker's Role allows more than patching pods: " + role.getRules());
    }

    /**
     * deploy/k8s/s3: the worker Deployment, patched as kustomize patches it, keeps checkpoints in a bucket, takes its
     * credentials from the Secret the overlay generates out of an uncommitted env file, and mounts no shared volume.
     */
    @Test
    void theS3OverlayPointsWorkersAtABucketWithCredentialsFromItsSecretAndSharesNoVolume() throws Exception {
        Path overlay = K8S.resolve("s3");
        JsonNode kustomization = DeployFiles.yaml(overlay.resolve("kustomization.yaml"));
        assertEquals(List.of(".."), ComposeFileTest.strings(kustomization.path("resources")));
        JsonNode base = DeployFiles.yaml(K8S.resolve("worker.yaml"));
        JsonNode patch = DeployFiles.yaml(Files.readString(overlay.resolve("worker-s3.yaml")));
        Deployment patched = SERIALIZATION.unmarshal(JsonPatch.fromJson(patch).apply(base).toString(), Deployment.class);
        Container container = container(patched);
        Map<String, String> flags = parseArgs("worker", container);
        StoreLocation store = StoreLocation.parse(flags.get("--checkpoint-store"),
                Optional.ofNullable(flags.get("--s3-endpoint")).map(URI::create), StoreLocation.DEFAULT_REGION,
                Path.of(flags.get("--work-dir")));
        assertInstanceOf(StoreLocation.S3.class, store);
        assertMounted(container, flags.get("--work-dir"), flags.get("--data-dir"), flags.get("--model-root"));
        assertTrue(container.getVolumeMounts().stream().noneMatch(m -> m.getName().equals("checkpoints")), container.getVolumeMounts().toString());
        List<String> claims = patched.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getPersistentVolumeClaim() != null).map(v -> v.getPersistentVolumeClaim().getClaimName()).toList();
        assertEquals(List.of("tunestream-data", "tunestream-models"), claims, "read-only data and models only");

        JsonNode generator = kustomization.path("secretGenerator").get(0);
        assertEquals(generator.path("name").asText(), container.getEnvFrom().get(0).getSecretRef().getName());
        String envFile = ComposeFileTest.strings(generator.path("envs")).get(0);
        Properties example = new Properties();
        try (var in = Files.newBufferedReader(overlay.resolve(envFile + ".example"))) {
            example.load(in);
        }
        assertEquals(Set.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"), example.stringPropertyNames());
        assertEquals("", example.getProperty("AWS_SECRET_ACCESS_KEY"), "the example carries no secret");
        assertTrue(Files.readAllLines(DeployFiles.repositoryRoot().resolve(".gitignore"))
                .contains(DeployFiles.repositoryRoot().relativize(overlay.resolve(envFile)).toString()), envFile + " may be committed");

        String deleted = kustomization.path("patches").get(1).path("patch").asText();
        assertTrue(deleted.contains("$patch: delete") && deleted.contains("kind: PersistentVolumeClaim"), deleted);
        String claim = deleted.substring(deleted.indexOf("name: ") + "name: ".length()).lines().findFirst().orElseThrow().strip();
        assertEquals("tunestream-checkpoints", object("PersistentVolumeClaim", claim).getMetadata().getName());
    }

    @Test
    void coordinatorArgumentsAreTheCoordinatorsAndItsServiceAndScrapePortAreItsHttpPort() {
        Deployment deployment = deployment("tunestream-coordinator");
        Container container = container(deployment);
        Map<String, String> flags = parseArgs("coordinator", container);
        String httpPort = flags.getOrDefault("--http-port", CommandLineFlags.defaultValue("coordinator", "--http-port"));
        assertScrapedOn(deployment.getSpec().getTemplate(), container, httpPort);
        assertTrue(container.getEnv().stream().anyMatch(e -> e.getName().equals(bootstrapVariable())),
                "the coordinator reads Kafka's address from " + bootstrapVariable());
        assertMounted(container, Path.of(flags.get("--client-properties")).getParent().toString());

        Service service = (Service) object("Service", "tunestream-coordinator");
        assertEquals(deployment.getSpec().getSelector().getMatchLabels(), service.getSpec().getSelector());
        String targetPort = service.getSpec().getPorts().get(0).getTargetPort().getStrVal();
        assertEquals(httpPort, String.valueOf(container.getPorts().stream().filter(p -> p.getName().equals(targetPort))
                .findFirst().orElseThrow(() -> new AssertionError("no container port named " + targetPort)).getContainerPort()));
    }

    /**
     * Probes ask the health endpoints the real servers serve, on a declared port; the coordinator's API listens beyond
     * loopback; KEDA, not the Deployment, owns the worker count, and an empty query (the coordinator down) is an
     * error that holds the count rather than a zero that scales the workers away.
     */
    @Test
    void probesAskTheServedHealthEndpointsAndKedaHoldsTheCountWhenTheCoordinatorIsDown() {
        Deployment worker = deployment("tunestream-worker");
        assertNull(worker.getSpec().getReplicas(), "KEDA owns the worker count: a replicas field resets it at every apply");
        Container workerContainer = container(worker);
        assertProbe(workerContainer, workerContainer.getStartupProbe(), "/healthz/startup", LiveEndpoints::workerHealth);
        assertProbe(workerContainer, workerContainer.getLivenessProbe(), "/healthz/live", LiveEndpoints::workerHealth);
        assertProbe(workerContainer, workerContainer.getReadinessProbe(), "/healthz/ready", LiveEndpoints::workerHealth);

        Container coordinator = container(deployment("tunestream-coordinator"));
        assertEquals("0.0.0.0", parseArgs("coordinator", coordinator).get("--http-host"), "the API listens beyond loopback");
        assertEquals("127.0.0.1", CommandLineFlags.defaultValue("coordinator", "--http-host"), "loopback unless told");
        assertEquals("127.0.0.1", CommandLineFlags.defaultValue("worker", "--metrics-host"), "loopback unless told");
        assertProbe(coordinator, coordinator.getLivenessProbe(), "/healthz/live", LiveEndpoints::coordinatorScrape);
        assertProbe(coordinator, coordinator.getReadinessProbe(), "/healthz/ready", LiveEndpoints::coordinatorScrape);

        GenericKubernetesResource scaled = (GenericKubernetesResource) object("ScaledObject", "tunestream-worker");
        List<Map<String, Object>> triggers = scaled.get("spec", "triggers");
        @SuppressWarnings("unchecked")
        Map<String, String> metadata = (Map<String, String>) triggers.get(0).get("metadata");
        assertEquals("false", metadata.get("ignoreNullValues"), "an empty result read as 0 scales every worker away");
    }

    private static void assertProbe(Container container, io.fabric8.kubernetes.api.model.Probe probe, String path,
            java.util.function.Function<String, String> served) {
        assertNotNull(probe, container.getName() + " has no probe for " + path);
        assertEquals(path, probe.getHttpGet().getPath());
        String port = probe.getHttpGet().getPort().getStrVal();
        assertTrue(container.getPorts().stream().anyMatch(p -> p.getName().equals(port)), "no container port named " + port);
        assertTrue(served.apply(path).startsWith("{\"status\":\"up\""), path + " is not served as a health endpoint");
    }

    @Test
    void configurationKeysAndConfigMapReferencesMatch() {
        ConfigMap config = (ConfigMap) object("ConfigMap", "tunestream-config");
        assertTrue(config.getData().containsKey(bootstrapVariable()));
        for (Deployment deployment : List.of(deployment("tunestream-worker"), deployment("tunestream-coordinator"))) {
            for (EnvVar env : container(deployment).getEnv()) {
                if (env.getValueFrom() != null && env.getValueFrom().getConfigMapKeyRef() != null) {
                    var ref = env.getValueFrom().getConfigMapKeyRef();
                    assertEquals(config.getMetadata().getName(), ref.getName());
                    assertTrue(config.getData().containsKey(ref.getKey()), "tunestream-config has no key " + ref.getKey());
                }
            }
            deployment.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getConfigMap() != null)
                    .flatMap(v -> v.getConfigMap().getItems().stream())
                    .forEach(item -> assertTrue(config.getData().containsKey(item.getKey()), "tunestream-config has no key " + item.getKey()));
        }
    }

    /**
     * Kafka's client settings (credentials, when the broker wants them) are a Secret kustomize generates from
     * kafka-client.properties, mounted by both Deployments where --client-properties reads it; the committed file holds
     * no credentials, and the SASL_SSL example is a well-formed SCRAM-SHA-512 client configuration.
     */
    @Test
    void kafkaClientSettingsAreASecretBothDeploymentsMountWhereTheirFlagPoints() throws IOException {
        JsonNode generator = DeployFiles.yaml(K8S.resolve("kustomization.yaml")).path("secretGenerator").get(0);
        assertEquals("tunestream-kafka-client", generator.path("name").asText());
        Map<String, Path> generatedKeys = new LinkedHashMap<>();
        for (String file : ComposeFileTest.strings(generator.path("files"))) {
            String[] keyAndFile = file.split("=", 2);
            Path source = K8S.resolve(keyAndFile[1]);
            assertTrue(Files.isRegularFile(source), source + " is missing");
            generatedKeys.put(keyAndFile[0], source);
        }
        assertFalse(((ConfigMap) object("ConfigMap", "tunestream-config")).getData().containsKey("client.properties"),
                "Kafka client settings may hold credentials: not in the ConfigMap");
        for (Deployment deployment : List.of(deployment("tunestream-worker"), deployment("tunestream-coordinator"))) {
            Container container = container(deployment);
            String flag = container.getArgs().get(container.getArgs().indexOf("--client-properties") + 1);
            var volume = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                    .filter(v -> v.getSecret() != null && v.getSecret().getSecretName().equals(generator.path("name").asText()))
                    .findFirst().orElseThrow(() -> new AssertionError(deployment.getMetadata().getName() + " does not mount the Kafka Secret"));
            VolumeMount mount = container.getVolumeMounts().stream().filter(m -> m.getName().equals(volume.getName())).findFirst()
                    .orElseThrow();
            assertTrue(mount.getReadOnly());
            String key = volume.getSecret().getItems().stream()
                    .filter(item -> flag.equals(mount.getMountPath() + "/" + item.getPath())).findFirst()
                    .orElseThrow(() -> new AssertionError(deployment.getMetadata().getName() + ": --client-properties " + flag
                            + " is not a file of the Secret")).getKey();
            assertTrue(generatedKeys.containsKey(key), "the Secret has no key " + key);
        }
        Properties committed = properties(generatedKeys.get("client.properties"));
        assertTrue(committed.stringPropertyNames().stream().noneMatch(name -> name.startsWith("sasl.") || name.contains("password")),
                "credentials committed: " + committed.stringPropertyNames());
        Properties example = properties(K8S.resolve("kafka-client-sasl-ssl.properties.example"));
        assertEquals("SASL_SSL", example.getProperty("security.protocol"));
        assertEquals("SCRAM-SHA-512", example.getProperty("sasl.mechanism"));
        assertTrue(example.getProperty("sasl.jaas.config").startsWith("org.apache.kafka.common.security.scram.ScramLoginModule required"),
                example.getProperty("sasl.jaas.config"));
        // every key is a client setting Kafka knows: a typo would be ignored with a warning, leaving security off
        var known = new java.util.TreeSet<>(org.apache.kafka.clients.consumer.ConsumerConfig.configNames());
        known.addAll(org.apache.kafka.clients.producer.ProducerConfig.configNames());
        for (String name : example.stringPropertyNames()) {
            assertTrue(known.contains(name), "not a Kafka client setting: " + name);
        }
    }

    private static Properties properties(Path file) throws IOException {
        Properties properties = new Properties();
        try (var reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        return properties;
    }

    /**
     * One scrape job per component, named as in compose's prometheus.yml, each keeping the annotated pods of the
     * namespace whose app label is its Deployment's, and no other Deployment's.
     */
    @Test
    void prometheusScrapesCoordinatorAndWorkersAsSeparateJobsOfAnnotatedPods() {
        ConfigMap scrape = (ConfigMap) object("ConfigMap", "tunestream-prometheus");
        JsonNode jobs = DeployFiles.yaml(scrape.getData().get("prometheus.yml")).path("scrape_configs");
        assertEquals(2, jobs.size(), jobs.toString());
        Map<String, String> appOfJob = Map.of("tunestream-coordinator", "tunestream-coordinator", "tunestream-worker", "tunestream-worker");
        for (JsonNode job : jobs) {
            String name = job.path("job_name").asText();
            assertTrue(appOfJob.containsKey(name), "unexpected job " + name);
            assertEquals("pod", job.at("/kubernetes_sd_configs/0/role").asText());
            assertEquals(List.of(object("Namespace", "tunestream").getMetadata().getName()),
                    ComposeFileTest.strings(job.at("/kubernetes_sd_configs/0/namespaces/names")));
            List<String> sources = new ArrayList<>();
            job.path("relabel_configs").forEach(rule -> sources.addAll(ComposeFileTest.strings(rule.path("source_labels"))));
            for (String annotation : List.of("scrape", "port", "path")) {
                assertTrue(sources.contains("__meta_kubernetes_pod_annotation_prometheus_io_" + annotation),
                        name + ": prometheus.io/" + annotation + " is not used");
            }
            List<String> kept = new ArrayList<>();
            job.path("relabel_configs").forEach(rule -> {
                if (rule.path("action").asText().equals("keep") && ComposeFileTest.strings(rule.path("source_labels"))
                        .equals(List.of("__meta_kubernetes_pod_label_app_kubernetes_io_name"))) {
                    Pattern keep = Pattern.compile(rule.path("regex").asText());
                    OBJECTS.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                            .filter(d -> keep.matcher(d.getSpec().getTemplate().getMetadata().getLabels()
                                    .get("app.kubernetes.io/name")).matches())
                            .forEach(d -> kept.add(d.getMetadata().getName()));
                }
            });
            assertEquals(List.of(appOfJob.get(name)), kept, name + " keeps the pods of exactly its Deployment");
        }
        Set<String> composeJobs = DeployFiles.yaml(DeployFiles.root().resolve("compose/prometheus.yml")).findValues("job_name")
                .stream().map(JsonNode::asText).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(appOfJob.keySet()), composeJobs,
                "the same job names as compose's Prometheus, which the dashboards were tested with");
    }

    /** Pod discovery lists and watches pods: the ServiceAccount may do that in the namespace, and nothing else. */
    @Test
    void prometheusServiceAccountMayWatchThePodsOfTheNamespaceOnly() {
        ServiceAccount account = (ServiceAccount) object("ServiceAccount", "tunestream-prometheus");
        Role role = (Role) object("Role", "tunestream-prometheus");
        RoleBinding binding = (RoleBinding) object("RoleBinding", "tunestream-prometheus");
        assertEquals(1, role.getRules().size());
        PolicyRule rule = role.getRules().get(0);
        assertEquals(List.of(""), rule.getApiGroups());
        assertEquals(List.of("pods"), rule.getResources());
        assertEquals(Set.of("get", "list", "watch"), new TreeSet<>(rule.getVerbs()));
        assertEquals("Role", binding.getRoleRef().getKind());
        assertEquals(role.getMetadata().getName(), binding.getRoleRef().getName());
        assertEquals(1, binding.getSubjects().size());
        assertEquals("ServiceAccount", binding.getSubjects().get(0).getKind());
        assertEquals(account.getMetadata().getName(), binding.getSubjects().get(0).getName());
    }

    @Test
    void kedaScalesTheWorkerDeploymentOnMetricsTheCoordinatorServes() {
        GenericKubernetesResource scaled = (GenericKubernetesResource) object("ScaledObject", "tunestream-worker");
        assertEquals("keda.sh/v1alpha1", scaled.getApiVersion());
        assertEquals("tunestream-worker", scaled.get("spec", "scaleTargetRef", "name"));
        assertEquals("Deployment", scaled.get("spec", "scaleTargetRef", "kind"));
        assertNotNull(deployment("tunestream-worker"));
        List<Map<String, Object>> triggers = scaled.get("spec", "triggers");
        assertEquals(1, triggers.size());
        assertEquals("prometheus", triggers.get(0).get("type"));
        @SuppressWarnings("unchecked")
        Map<String, String> metadata = (Map<String, String>) triggers.get(0).get("metadata");
        String query = metadata.get("query");
        assertTrue(Double.parseDouble(metadata.get("threshold")) > 0);

        String exposition = LiveEndpoints.coordinatorScrape("/metrics");
        Set<String> served = LiveEndpoints.metricNames(exposition);
        Matcher metric = Pattern.compile("\\b(tunestream_[a-z_]+)").matcher(query);
        Set<String> used = new TreeSet<>();
        while (metric.find()) {
            used.add(metric.group(1));
        }
        assertTrue(used.contains("tunestream_queue_depth"), "the workers scale on the queue depth: " + query);
        assertTrue(served.containsAll(used), "the query uses " + used + ", the coordinator serves " + served);
        Matcher states = Pattern.compile("state=~\"([^\"]+)\"").matcher(query);
        Set<String> runStates = Arrays.stream(RunState.values()).map(Enum::name).collect(Collectors.toSet());
        assertTrue(runStates.containsAll(LiveEndpoints.labelValues(exposition, "tunestream_runs", "state")));
        while (states.find()) {
            for (String state : states.group(1).split("\\|")) {
                assertTrue(runStates.contains(state), state + " is not a run state: " + runStates);
            }
        }
    }

    private static Map<String, String> parseArgs(String command, Container container) {
        assertTrue(container.getCommand() == null || container.getCommand().isEmpty(), "the image's entry point runs `tunestream " + command + "`: keep it");
        Map<String, String> placeholders = new LinkedHashMap<>();
        for (String arg : container.getArgs()) {
            Matcher reference = ENV_REFERENCE.matcher(arg);
            while (reference.find()) {
                String name = reference.group(1);
                assertTrue(container.getEnv().stream().anyMatch(e -> e.getName().equals(name)), arg + " refers to " + name + ", which the container does not define");
                placeholders.put(reference.group(), "placeholder:9092");
            }
        }
        return CommandLineFlags.parse(command, container.getArgs(), placeholders);
    }

    private static void assertScrapedOn(PodTemplateSpec template, Container container, String port) {
        Map<String, String> annotations = template.getMetadata().getAnnotations();
        assertEquals("true", annotations.get("prometheus.io/scrape"));
        assertEquals(port, annotations.get("prometheus.io/port"), "Prometheus scrapes another port than the one served");
        assertTrue(container.getPorts().stream().anyMatch(p -> String.valueOf(p.getContainerPort()).equals(port)), "port " + port + " is not declared");
        // 200 at the annotated path, 404 elsewhere
        String path = annotations.get("prometheus.io/path");
        if (container.getName().equals("worker")) {
            LiveEndpoints.workerScrape(path);
        } else {
            LiveEndpoints.coordinatorScrape(path);
        }
    }

    private static void assertMounted(Container container, String... paths) {
        List<String> mounts = container.getVolumeMounts().stream().map(VolumeMount::getMountPath).toList();
        for (String path : paths) {
            assertTrue(mounts.contains(path), path + " is not mounted in " + container.getName() + ": " + mounts);
        }
    }

    private static String bootstrapVariable() {
        return CommandLineFlags.environmentVariableOf("coordinator", "--bootstrap-servers");
    }

    private static Deployment deployment(String name) {
        return assertInstanceOf(Deployment.class, object("Deployment", name));
    }

    private static Container container(Deployment deployment) {
        List<Container> containers = deployment.getSpec().getTemplate().getSpec().getContainers();
        assertEquals(1, containers.size());
        return containers.get(0);
    }

    private static HasMetadata object(String kind, String name) {
        return OBJECTS.stream().filter(o -> o.getKind().equals(kind) && o.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in deploy/k8s"));
    }

    private static List<HasMetadata> readManifests() {
        try (Stream<Path> files = Files.list(K8S)) {
            return files.filter(f -> f.toString().endsWith(".yaml") && !f.getFileName().toString().equals("kustomization.yaml")).sorted()
                    .flatMap(file -> DeployFiles.yamlDocuments(file).stream().map(document -> {
                        Object object = SERIALIZATION.unmarshal(document.toString());
                        return assertInstanceOf(HasMetadata.class, object, file + " holds something that is not a Kubernetes object");
                    })).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
