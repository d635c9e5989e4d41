package io.tunestream.worker.service;

import io.tunestream.broker.EmbeddedKafkaBroker;
import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.AdapterSettings;
import io.tunestream.schemas.ControlAction;
import io.tunestream.schemas.ControlCommand;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.MessageCodec;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.Topics;
import io.tunestream.schemas.TrainingSettings;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.queue.QueueMode;
import io.tunestream.worker.store.StoreLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * An embedded broker with the topics created, a small real SST-2 sample as the workers' dataset, a shared checkpoint
 * store, and the means to submit requests, start workers and read what they publish.
 */
public final class KafkaFixture implements AutoCloseable {

    /** Test training sets: the first lines of the real SST-2 files. */
    public static final int TRAIN_EXAMPLES = 256;
    public static final int DEV_EXAMPLES = 64;

    public final EmbeddedKafkaBroker broker;
    public final Topics topics = Topics.defaults();
    public final Path root;
    public final Path store;
    public final Path dataDir;
    public final TopicLog status;
    public final TopicLog metrics;
    public final TopicLog deadLetters;
    public final TopicLog requests;
    private final KafkaProducer<String, byte[]> producer;
    private final List<RunningWorker> workers = new ArrayList<>();

    public KafkaFixture(Map<String, String> brokerProperties, int partitions) throws IOException {
        this(brokerProperties, partitions, UnaryOperator.identity());
    }

    /** As {@link #KafkaFixture(Map, int)} with more broker options, such as a SASL_SSL listener. */
    public KafkaFixture(Map<String, String> brokerProperties, int partitions, UnaryOperator<EmbeddedKafkaBroker.Builder> options)
            throws IOException {
        root = Files.createTempDirectory("tunestream-worker-test");
        store = root.resolve("checkpoints");
        dataDir = root.resolve("data");
        writeSample(dataDir.resolve("glue-sst2"));
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder().optDataDir(root.resolve("kafka"));
        brokerProperties.forEach(builder::optProperty);
        broker = options.apply(builder).build();
        broker.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            topics.ensure(admin, partitions, Duration.ofSeconds(30));
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(props);
        status = new TopicLog(broker.bootstrapServers(), topics.status());
        metrics = new TopicLog(broker.bootstrapServers(), topics.metrics());
        deadLetters = new TopicLog(broker.bootstrapServers(), topics.deadLetter());
        requests = new TopicLog(broker.bootstrapServers(), topics.requests());
    }

    private static void writeSample(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path shared = TestModels.sharedData().resolve("glue-sst2");
        Files.write(dir.resolve("train.tsv"), Files.readAllLines(shared.resolve("train.tsv")).subList(0, TRAIN_EXAMPLES + 1));
        Files.write(dir.resolve("dev.tsv"), Files.readAllLines(shared.resolve("dev.tsv")).subList(0, DEV_EXAMPLES + 1));
    }

    /** A small tiny-model run: {@code steps} steps of batch 8, a checkpoint every 2 steps, one evaluation at the end. */
    public static ExperimentRequest request(String runId, AdapterMethodId method, int steps) {
        return ExperimentRequest.newBuilder()
                .setRunId(runId).setSweepId("test").setModel("random:tiny@1").setDataset("glue-sst2").setMethod(method)
                .setAdapter(AdapterSettings.newBuilder().setRank(4).build())
                .setTraining(TrainingSettings.newBuilder().setBatchSize(8).setEpochs(1000).setMaxSteps(steps)
                        .setEvalEvery(0).setCheckpointEvery(2).setMaxLength(32).setEvalBatchSize(64).build())
                .setSeed(7L).setSubmittedAt(Instant.now())
                .build();
    }

    public void submit(ExperimentRequest request) {
        send(request.getRunId(), MessageCodec.get().encode(request));
    }

    public void send(String key, byte[] value) {
        sendTo(topics.requests(), key, value);
    }

    /** Publishes raw bytes (or a tombstone, for null) to any topic, as an attacker or a buggy client could. */
    public void sendTo(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("could not publish to " + topic, e);
        }
    }

    /** Publishes a status as a worker would have (to set up a run's history). */
    public void publishStatus(RunStatus runStatus) {
        try {
            producer.send(new ProducerRecord<>(topics.status(), runStatus.getRunId(), MessageCodec.get().encode(runStatus)))
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("could not publish a status", e);
        }
    }

    public void cancel(String runId) {
        ControlCommand command = ControlCommand.newBuilder().setRunId(runId).setAction(ControlAction.CANCEL)
                .setReason("test").setIssuedAt(Instant.now()).build();
        try {
            producer.send(new ProducerRecord<>(topics.control(), runId, MessageCodec.get().encode(command)))
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("could not publish a cancel", e);
        }
    }

    /** Client settings that reach the broker. */
    public Properties clientProperties() {
        Properties props = new Properties();
        props.put("bootstrap.servers", broker.bootstrapServers());
        return props;
    }

    /** Short intervals, so tests run in seconds. */
    public WorkerConfig workerConfig(String workerId, QueueMode mode) {
        return workerConfig(workerId, mode, StoreLocation.directory(store));
    }

    /** As {@link #workerConfig(String, QueueMode)}, keeping checkpoints in {@code checkpointStore}. */
    public WorkerConfig workerConfig(String workerId, QueueMode mode, StoreLocation checkpointStore) {
        return new WorkerConfig(broker.bootstrapServers(), mode, "test-workers", workerId, topics, checkpointStore,
                new Properties(), List.of(), Optional.of(dataDir), Duration.ofMillis(200), Duration.ofMillis(200),
                Duration.ofMillis(500), Duration.ofSeconds(1), null);
    }

    public RunningWorker startWorker(WorkerConfig config) {
        return startWorker(new Worker(config));
    }

    public RunningWorker startWorker(Worker unstarted) {
        RunningWorker worker = new RunningWorker(unstarted);
        workers.add(worker);
        return worker;
    }

    /** The latest status of every run, by run id. */
    public Map<String, RunStatus> latestStatuses() {
        Map<String, RunStatus> latest = new java.util.HashMap<>();
        status.messages(RunStatus.class).forEach(s -> latest.put(s.getRunId(), s));
        return latest;
    }

    public List<RunStatus> statusesOf(String runId) {
        return status.messages(RunStatus.class).stream().filter(s -> s.getRunId().equals(runId)).toList();
    }

    /** Waits until {@code runId}'s latest status is {@code state}. */
    public RunStatus awaitState(String runId, RunState state, Duration timeout) throws InterruptedException {
        List<RunStatus> seen = status.await(RunStatus.class, all -> all.stream()
                .filter(s -> s.getRunId().equals(runId)).reduce((a, b) -> b)
                .map(s -> s.getState() == state).orElse(false), timeout, runId + " " + state);
        return seen.stream().filter(s -> s.getRunId().equals(runId)).reduce((a, b) -> b).orElseThrow();
    }

    @Override
    public void close() throws IOException {
        for (RunningWorker worker : workers) {
            worker.stop();
        }
        producer.close(Duration.ofSeconds(2));
        status.close();
        metrics.close();
        deadLetters.close();
        requests.close();
        broker.close();
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** A worker on its own thread. */
    public static final class RunningWorker {
        public final Worker worker;
        public final Thread thread;

        RunningWorker(Worker worker) {
            this.worker = worker;
            this.thread = new Thread(worker, worker.config().workerId());
            thread.setDaemon(true);
            thread.start();
        }

        public void stop() {
            worker.shutdown();
            try {
                if (!worker.awaitStopped(Duration.ofSeconds(30))) {
                    throw new AssertionError("worker " + worker.config().workerId() + " did not stop within 30 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
