package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tunestream.broker.EmbeddedKafkaBroker;
import io.tunestream.coordinator.service.Coordinator;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.worker.queue.QueueMode;
import io.tunestream.worker.service.KafkaFixture;
import io.tunestream.worker.service.WorkerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka with SASL_SSL (SCRAM-SHA-512 over TLS on loopback) and the ACLs of docs/operations.md ("Kafka security"), read
 * from that file and applied as written: coordinator, worker and CLI each connect with their own client properties
 * file and a sweep runs to the end; a client with a wrong password is refused; no role but the coordinator writes a
 * request, and the worker cannot write a control record.
 */
class KafkaSecurityTest {

    private static final Path OPERATIONS = Path.of("..", "docs", "operations.md");
    private static final String KEYSTORE_PASSWORD = "keystore-secret";
    private static final Map<String, String> PASSWORDS =
            Map.of("coordinator", "coordinator-secret", "worker", "worker-secret", "submitter", "submitter-secret");

    @Test
    @Timeout(300)
    void aSweepRunsOverSaslSslUnderTheDocumentedAclsAndEveryOtherWriteIsRefused(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("broker.p12");
        Path certificate = dir.resolve("ca.pem");
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=IP:127.0.0.1", "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", KEYSTORE_PASSWORD, "-keypass", KEYSTORE_PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "broker", "-keystore", keystore.toString(), "-storepass", KEYSTORE_PASSWORD,
                "-file", certificate.toString());
        // the PLAINTEXT listener's anonymous principal is the administrator (topics, users, ACLs, the test's reads)
        Map<String, String> authorizer = Map.of("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users", "User:ANONYMOUS");
        Coordinator coordinator = null;
        try (KafkaFixture kafka = new KafkaFixture(authorizer, 1,
                b -> b.optSaslSslListener(new EmbeddedKafkaBroker.SaslSslListener(keystore, KEYSTORE_PASSWORD)))) {
            String secure = kafka.broker.secureBootstrapServers();
            List<AclBinding> acls = documentedAcls();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.broker.bootstrapServers()))) {
                List<UserScramCredentialAlteration> users = new ArrayList<>();
                PASSWORDS.forEach((role, password) -> users.add(new UserScramCredentialUpsertion(user(role),
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password)));
                admin.alterUserScramCredentials(users).all().get(30, TimeUnit.SECONDS);
                admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
            }
            Path coordinatorFile = clientFile(dir, "coordinator", PASSWORDS.get("coordinator"), certificate);
            Path workerFile = clientFile(dir, "worker", PASSWORDS.get("worker"), certificate);
            Path submitterFile = clientFile(dir, "submitter", PASSWORDS.get("submitter"), certificate);

            coordinator = Coordinator.start(load(coordinatorFile, secure), kafka.topics, Coordinator.Settings.defaults());
            WorkerConfig plain = kafka.workerConfig("w1", QueueMode.SHARE);
            kafka.startWorker(new WorkerConfig(secure, QueueMode.SHARE, WorkerConfig.DEFAULT_GROUP, "w1", plain.topics(),
                    plain.checkpointStore(), load(workerFile, secure), plain.modelRoots(), plain.dataDirectory(),
                    plain.pollTimeout(), plain.runCheckInterval(), plain.statusInterval(), plain.heartbeatInterval(),
                    plain.device()));
            Path sweep = Files.writeString(dir.resolve("secure.yaml"), """
                    sweep: secure
                    base:
                      model: random:tiny@1
                      dataset: glue-sst2
                      method: lora
                      rank: 4
                      batchSize: 8
                      maxSteps: 4
                      evalEvery: 2
                      maxLength: 32
                    """);
            CliRun submitted = CliRun.of("submit", sweep.toString(), "--bootstrap-servers", secure,
                    "--client-properties", submitterFile.toString());
            assertEquals(0, submitted.exitCode(), submitted.err());
            RunStatus finished = awaitSucceeded(kafka, Duration.ofSeconds(180));
            CliRun status = CliRun.of("status", "secure", "--bootstrap-servers", secure, "--client-properties", submitterFile.toString());
            assertEquals(0, status.exitCode(), status.err());
            assertTrue(status.out().contains(finished.getRunId()) && status.out().contains("SUCCEEDED"), status.out());

            Path wrongPassword = clientFile(dir, "submitter", "not-the-password", certificate);
            CliRun refused = CliRun.of("status", "--bootstrap-servers", secure, "--client-properties", wrongPassword.toString());
            assertNotEquals(0, refused.exitCode(), refused.out());
            assertTrue(refused.err().toLowerCase(Locale.ROOT).contains("authentication failed"), refused.err());

            assertRefused(load(workerFile, secure), kafka.topics.requests());
            assertRefused(load(workerFile, secure), kafka.topics.control());
            assertRefused(load(submitterFile, secure), kafka.topics.requests());
        } finally {
            if (coordinator != null) {
                coordinator.close();
            }
        }
    }

    /** The ACL table of docs/operations.md, "Kafka security": role, resource, name (a trailing * is a prefix), operations. */
    static List<AclBinding> documentedAcls() throws IOException {
        String text = Files.readString(OPERATIONS);
        String section = text.substring(text.indexOf("## Kafka security"));
        section = section.substring(0, section.indexOf("\n## ", 3));
        List<AclBinding> acls = new ArrayList<>();
        for (String line : section.lines().toList()) {
            String[] cells = line.split("\\|");
            if (cells.length != 5 || !PASSWORDS.containsKey(cells[1].strip())) {
                continue;
            }
            String name = cells[3].strip();
            boolean prefixed = name.endsWith("*");
            ResourcePattern resource = new ResourcePattern(ResourceType.valueOf(cells[2].strip().toUpperCase(Locale.ROOT)),
                    prefixed ? name.substring(0, name.length() - 1) : name, prefixed ? PatternType.PREFIXED : PatternType.LITERAL);
            for (String operation : cells[4].split(",")) {
                acls.add(new AclBinding(resource, new AccessControlEntry("User:" + user(cells[1].strip()), "*",
                        AclOperation.valueOf(operation.strip()), AclPermissionType.ALLOW)));
            }
        }
        assertTrue(acls.size() >= 15, "the ACL table was not found in " + OPERATIONS + ": " + acls);
        return acls;
    }

    private static String user(String role) {
        return "tunestream-" + role;
    }

    private static Path clientFile(Path dir, String role, String password, Path certificate) throws IOException {
        return Files.writeString(dir.resolve(role + "-" + password + ".properties"), String.join("\n",
                "security.protocol=SASL_SSL",
                "sasl.mechanism=SCRAM-SHA-512",
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user(role)
                        + "\" password=\"" + password + "\";",
                "ssl.truststore.type=PEM",
                "ssl.truststore.location=" + certificate.toAbsolutePath(),
                ""));
    }

    private static Properties load(Path file, String bootstrap) throws IOException {
        Properties props = new Properties();
        try (var reader = Files.newBufferedReader(file)) {
            props.load(reader);
        }
        props.put("bootstrap.servers", bootstrap);
        return props;
    }

    private static RunStatus awaitSucceeded(KafkaFixture kafka, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < 10_000 && System.nanoTime() < deadline; i++) {
            for (RunStatus status : kafka.latestStatuses().values()) {
                if (status.getState() == RunState.SUCCEEDED) {
                    return status;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no run succeeded within " + timeout + ": " + kafka.latestStatuses());
    }

    /** A producer of {@code props}'s user cannot write to {@code topic}: the broker answers with an authorization error. */
    private static void assertRefused(Properties props, String topic) {
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "20000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
            ExecutionException failure = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>(topic, "run", new byte[] {1})).get(30, TimeUnit.SECONDS),
                    props.getProperty("sasl.jaas.config") + " wrote to " + topic);
            assertInstanceOf(TopicAuthorizationException.class, failure.getCause(), failure.toString());
        }
    }

    static void keytool(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "keytool did not finish");
        assertEquals(0, process.exitValue(), "keytool " + String.join(" ", arguments) + ": " + output);
    }
}
