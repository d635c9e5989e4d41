package io.tunestream.worker.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.schemas.CheckpointRetention;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.run.Experiment;
import io.tunestream.worker.run.Lineage;
import io.tunestream.worker.run.RunDirectory;
import io.tunestream.worker.run.RunLease;
import io.tunestream.worker.train.StepMetrics;
import io.tunestream.worker.train.Trainer;
import io.tunestream.worker.train.TrainingConfig;
import io.tunestream.worker.train.TrainingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The S3 checkpoint store against a real S3-compatible server (S3Proxy on loopback): commits that a reader sees
 * whole or not at all, a crash between a checkpoint's objects and its manifest, an outage, retention, and a training
 * run resumed from the store by a second "worker" (another store client and working directory).
 */
class S3StoreTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static S3TestServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = new S3TestServer();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    /** 40 SST-2 examples, two epochs of 5 steps of 8, evaluated every 3 steps and checkpointed every 2. */
    private static TrainingConfig config() {
        return new TrainingConfig("random:tiny", "lora", 4, null, 0.1, null, null, 5e-3,
                8, 1, 2, 0, 0.2, 0.01, 1.0, 3, 2, 32, 40, 64, 3L, null, null, null, null, null);
    }

    private static Experiment experiment() throws Exception {
        return Experiment.prepare(config(), TestModels.REGISTRY, TestModels.CATALOG,
                new DatasetCatalog(Optional.of(TestModels.sharedData())));
    }

    /**
     * A crash between a checkpoint's objects and its manifest (injected at the third commit) leaves the second
     * commit readable and whole: a second worker restores it, resumes after its step, and its losses from there
     * equal the uninterrupted run's (1e-5).
     */
    @Test
    void aCrashBeforeTheManifestLeavesThePreviousCheckpointWholeAndTheRunResumesExactly(@TempDir Path temp) throws Exception {
        Experiment experiment = experiment();
        List<Double> uninterrupted = new ArrayList<>();
        try (S3Store store = S3Store.open(server.location("whole/", temp.resolve("work-whole")))) {
            train(experiment, store, "run", m -> uninterrupted.add(m.loss()));
        }
        assertEquals(10, uninterrupted.size());

        List<Double> firstWorker = new ArrayList<>();
        int[] commits = {0};
        try (S3Store store = S3Store.open(server.location("crash/", temp.resolve("work-1")))) {
            store.beforeManifest(() -> {
                if (++commits[0] == 3) {
                    throw new IllegalStateException("injected crash between the objects and the manifest");
                }
            });
            IllegalStateException crash = assertThrows(IllegalStateException.class,
                    () -> train(experiment, store, "run", m -> firstWorker.add(m.loss())));
            assertTrue(crash.getMessage().contains("injected"), crash.getMessage());
        }
        // commits after steps 2 and 3 (the evaluation at 3 checkpoints too); the third, after step 4, never completed
        assertEquals(4, firstWorker.size());
        Set<String> orphans = objectsOf("crash/runs/run/objects/");
        CheckpointManifest manifest = manifest("crash/runs/run/");
        assertEquals(3, manifest.step(), "the manifest still names the checkpoint of step 3");
        assertTrue(orphans.size() > manifest.keys().size(), "the crashed commit's objects were written: " + orphans);

        List<Double> resumedLosses = new ArrayList<>();
        long[] resumedAt = {-1};
        try (S3Store store = S3Store.open(server.location("crash/", temp.resolve("work-2")))) {
            RunStore run = store.run("run");
            run.takeOver(2);
            assertEquals(manifest.keys().stream().map(k -> "crash/runs/run/" + k).collect(Collectors.toCollection(TreeSet::new)),
                    objectsOf("crash/runs/run/objects/"), "taking the run over deletes the uncommitted objects");
            RunDirectory directory = RunDirectory.open(run, experiment.config(), Lineage.of(experiment, "cpu"), () -> run.ownedBy(2));
            assertEquals(3, JSON.readTree(directory.latestCheckpoint().resolve("state.json").toFile()).get("step").asLong());
            try (NDManager manager = NDManager.newBaseManager();
                    AdaptedModel model = experiment.buildModel(manager)) {
                new Trainer(model, experiment.config(), experiment.task(), experiment.train(), experiment.dev(), directory,
                        new TrainingListener() {
                            @Override
                            public void onStart(long startStep, long totalSteps, int trainExamples) {
                                resumedAt[0] = startStep;
                            }

                            @Override
                            public void onStep(StepMetrics metrics) {
                                resumedLosses.add(metrics.loss());
                            }
                        }).run(() -> false);
            }
        }
        assertEquals(3, resumedAt[0]);
        assertEquals(7, resumedLosses.size());
        for (int i = 0; i < resumedLosses.size(); i++) {
            assertEquals(uninterrupted.get(3 + i), resumedLosses.get(i), 1e-5, "loss at step " + (4 + i));
        }
        // the store's metrics.jsonl, read by a third client, holds every step once
        try (S3Store store = S3Store.open(server.location("crash/", temp.resolve("work-3")))) {
            RunStore run = store.run("run");
            run.restore(Duration.ofSeconds(10));
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), steps(run.workingDirectory().resolve("metrics.jsonl")));
            assertTrue(Files.isRegularFile(run.workingDirectory().resolve("summary.json")));
            assertTrue(Files.isRegularFile(run.workingDirectory().resolve("checkpoints/best/adapter.safetensors")));
        }
    }

    /** After every commit the run's objects are exactly those its manifest names: superseded ones are deleted. */
    @Test
    void superseededObjectsAreDeletedAndARestoreIsByteForByteTheCommit(@TempDir Path temp) throws Exception {
        try (S3Store store = S3Store.open(server.location("bytes/", temp.resolve("work")))) {
            RunStore run = store.run("r1");
            run.restore(Duration.ofSeconds(10));
            Path work = run.workingDirectory();
            for (int step = 1; step <= 3; step++) {
                writeCheckpoint(work, step, step != 2);
                run.commitCheckpoints(Duration.ofSeconds(10));
                CheckpointManifest manifest = manifest("bytes/runs/r1/");
                assertEquals(step, manifest.step());
                assertEquals(manifest.keys().stream().map(k -> "bytes/runs/r1/" + k).collect(Collectors.toCollection(TreeSet::new)),
                        objectsOf("bytes/runs/r1/objects/"), "after commit " + step);
                assertEquals(step, manifest.metrics().size(), "one metrics segment per commit");
            }
        }
        try (S3Store store = S3Store.open(server.location("bytes/", temp.resolve("elsewhere")))) {
            RunStore run = store.run("r1");
            run.restore(Duration.ofSeconds(10));
            for (String file : List.of("checkpoints/latest/state.json", "checkpoints/latest/adapter.safetensors",
                    "checkpoints/best/adapter.safetensors", "metrics.jsonl")) {
                assertArrayEquals(Files.readAllBytes(temp.resolve("work/r1").resolve(file)),
                        Files.readAllBytes(run.workingDirectory().resolve(file)), file);
            }
        }
    }

    /**
     * The server stopped: a commit gives up within its patience with a message that names the store and not the
     * credentials, the committed checkpoint stays, and once the server is back the next commit succeeds.
     */
    @Test
    void anOutageFailsACommitWithinItsPatienceAndLeavesThePreviousOne(@TempDir Path temp) throws Exception {
        try (S3Store store = S3Store.open(server.location("outage/", temp.resolve("work")))) {
            RunStore run = store.run("r");
            run.restore(Duration.ofSeconds(10));
            writeCheckpoint(run.workingDirectory(), 1, true);
            run.commitCheckpoints(Duration.ofSeconds(10));
            writeCheckpoint(run.workingDirectory(), 2, true);
            server.stop();
            StoreUnavailableException failure;
            long started = System.nanoTime();
            try {
                failure = assertThrows(StoreUnavailableException.class, () -> run.commitCheckpoints(Duration.ofSeconds(2)));
            } finally {
                server.start();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            assertTrue(seconds < 10, "gave up after " + seconds + " s");
            assertTrue(failure.getMessage().contains("s3://tunestream-test/outage/"), failure.getMessage());
            assertFalse(failure.getMessage().contains(S3TestServer.SECRET_KEY), failure.getMessage());
            assertEquals(1, manifest("outage/runs/r/").step());
            run.commitCheckpoints(Duration.ofSeconds(10));
            assertEquals(2, manifest("outage/runs/r/").step());
        }
    }

    /**
     * A server that throttles (503, as S3's SlowDown) is waited out with backoff within the commit's patience; one that
     * throttles beyond it fails the commit and leaves the previous checkpoint, which a reader restores whole.
     */
    @Test
    void throttlingIsWaitedOutWithinThePatienceAndBeyondItThePreviousCommitStands(@TempDir Path temp) throws Exception {
        try (S3Store store = S3Store.open(server.location("throttled/", temp.resolve("work")))) {
            RunStore run = store.run("r");
            run.restore(Duration.ofSeconds(10));
            writeCheckpoint(run.workingDirectory(), 1, true);
            run.commitCheckpoints(Duration.ofSeconds(10));

            writeCheckpoint(run.workingDirectory(), 2, true);
            server.throttleWrites(3);
            long started = System.nanoTime();
            run.commitCheckpoints(Duration.ofSeconds(5));
            double waited = (System.nanoTime() - started) / 1e9;
            assertEquals(0, server.throttledWritesLeft());
            assertEquals(2, manifest("throttled/runs/r/").step());
            assertTrue(waited >= 1.7, "three refusals are waited out with backoff (0.25 + 0.5 + 1 s), not hammered: " + waited + " s");

            writeCheckpoint(run.workingDirectory(), 3, false);
            server.throttleWrites(1_000);
            try {
                started = System.nanoTime();
                assertThrows(StoreUnavailableException.class, () -> run.commitCheckpoints(Duration.ofSeconds(2)));
                double gaveUp = (System.nanoTime() - started) / 1e9;
                assertTrue(gaveUp < 7, "gave up after " + gaveUp + " s, patience 2 s");
                assertTrue(server.throttledWritesLeft() > 990, "backoff, not a tight loop: " + (1_000 - server.throttledWritesLeft()) + " tries");
            } finally {
                server.throttleWrites(0);
            }
            assertEquals(2, manifest("throttled/runs/r/").step());
            try (S3Store other = S3Store.open(server.location("throttled/", temp.resolve("reader")))) {
                RunStore reader = other.run("r");
                reader.restore(Duration.ofSeconds(10));
                assertEquals("{\"step\":2}", Files.readString(reader.workingDirectory().resolve("checkpoints/latest/state.json")));
                assertEquals(List.of(1L, 2L), steps(reader.workingDirectory().resolve("metrics.jsonl")));
            }
        }
    }

    /** BEST keeps only the best checkpoint, NONE neither; metrics, summary, config and other runs stay. */
    @Test
    void retentionDeletesWhatItShouldAndNothingElse(@TempDir Path temp) throws Exception {
        try (S3Store store = S3Store.open(server.location("retain/", temp.resolve("work")))) {
            for (String id : List.of("best", "none", "all")) {
                RunStore run = store.run(id);
                run.restore(Duration.ofSeconds(10));
                writeCheckpoint(run.workingDirectory(), 5, true);
                Files.writeString(run.workingDirectory().resolve("summary.json"), "{}");
                Files.writeString(run.workingDirectory().resolve("config.json"), "{}");
                run.commitFile("config.json", Duration.ofSeconds(10));
                run.commitCheckpoints(Duration.ofSeconds(10));
                run.commitFile("summary.json", Duration.ofSeconds(10));
            }
            Set<String> allBefore = objectsOf("retain/runs/all/");
            store.run("best").retain(CheckpointRetention.BEST, Duration.ofSeconds(10));
            store.run("none").retain(CheckpointRetention.NONE, Duration.ofSeconds(10));
            store.run("all").retain(CheckpointRetention.ALL, Duration.ofSeconds(10));

            CheckpointManifest best = manifest("retain/runs/best/");
            assertTrue(best.latest().isEmpty());
            assertEquals(Set.of("adapter.safetensors"), best.best().keySet());
            CheckpointManifest none = manifest("retain/runs/none/");
            assertTrue(none.latest().isEmpty() && none.best().isEmpty());
            for (String id : List.of("best", "none")) {
                CheckpointManifest manifest = manifest("retain/runs/" + id + "/");
                Set<String> expected = new TreeSet<>(Set.of("retain/runs/" + id + "/checkpoints.json",
                        "retain/runs/" + id + "/config.json", "retain/runs/" + id + "/summary.json"));
                manifest.keys().forEach(k -> expected.add("retain/runs/" + id + "/" + k));
                assertEquals(expected, objectsOf("retain/runs/" + id + "/"), id);
                assertEquals(1, manifest.metrics().size(), "the metrics stay");
            }
            assertEquals(allBefore, objectsOf("retain/runs/all/"), "ALL deletes nothing");
            RunStore restored = S3Store.open(server.location("retain/", temp.resolve("other"))).run("best");
            restored.restore(Duration.ofSeconds(10));
            assertFalse(Files.exists(restored.workingDirectory().resolve("checkpoints/latest")));
            assertTrue(Files.isRegularFile(restored.workingDirectory().resolve("checkpoints/best/adapter.safetensors")));
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), steps(restored.workingDirectory().resolve("metrics.jsonl")));
        }
    }

    /** A newer attempt's take-over is seen by the older one's handle, which then refuses to be the owner. */
    @Test
    void aNewerAttemptsTakeOverEndsTheOlderOnesOwnership(@TempDir Path temp) throws Exception {
        try (S3Store first = S3Store.open(server.location("owner/", temp.resolve("a")));
                S3Store second = S3Store.open(server.location("owner/", temp.resolve("b")))) {
            RunStore older = first.run("r");
            older.takeOver(1);
            assertTrue(older.ownedBy(1));
            second.run("r").takeOver(2);
            Thread.sleep(2100);
            assertFalse(older.ownedBy(1), "the owner is read again within 2 s");
            assertTrue(second.run("r").ownedBy(2));
        }
    }

    /** A missing bucket and refused credentials are said at the worker's start, in words, without the secret. */
    @Test
    void aMissingBucketOrRefusedCredentialsAreToldAtTheStart(@TempDir Path temp) {
        StoreLocation.S3 missing = (StoreLocation.S3) StoreLocation.parse("s3://no-such-bucket/p", Optional.of(server.endpoint()),
                StoreLocation.DEFAULT_REGION, temp);
        try (S3Store store = S3Store.open(missing)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, store::check);
            assertTrue(e.getMessage().contains("s3://no-such-bucket/p/") && e.getMessage().contains("create the bucket"), e.getMessage());
        }
        String secret = System.getProperty("aws.secretAccessKey");
        System.setProperty("aws.secretAccessKey", "wrong-secret-value");
        try (S3Store store = S3Store.open(server.location("p/", temp))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, store::check);
            assertTrue(e.getMessage().contains("403"), e.getMessage());
            assertFalse(e.getMessage().contains("wrong-secret-value"), e.getMessage());
        } finally {
            System.setProperty("aws.secretAccessKey", secret);
        }
    }

    private static void train(Experiment experiment, CheckpointStore store, String runId, Consumer<StepMetrics> steps)
            throws Exception {
        RunStore run = store.run(runId);
        run.takeOver(1);
        RunLease lease = () -> run.ownedBy(1);
        RunDirectory directory = RunDirectory.open(run, experiment.config(), Lineage.of(experiment, "cpu"), lease);
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel model = experiment.buildModel(manager)) {
            new Trainer(model, experiment.config(), experiment.task(), experiment.train(), experiment.dev(), directory,
                    new TrainingListener() {
                        @Override
                        public void onStep(StepMetrics metrics) {
                            steps.accept(metrics);
                        }
                    }).run(() -> false);
        }
    }

    /** A checkpoint's files as the trainer lays them out, with {@code step}'s metrics line appended. */
    private static void writeCheckpoint(Path work, long step, boolean newBest) throws Exception {
        Path latest = work.resolve("checkpoints/latest");
        Files.createDirectories(latest);
        Files.writeString(latest.resolve("state.json"), "{\"step\":" + step + "}");
        Files.write(latest.resolve("adapter.safetensors"), ("adapter of step " + step).getBytes());
        Files.write(latest.resolve("optimizer.safetensors"), ("moments of step " + step).getBytes());
        if (newBest) {
            Files.createDirectories(work.resolve("checkpoints/best"));
            Files.write(work.resolve("checkpoints/best/adapter.safetensors"), ("best at " + step).getBytes());
        }
        for (long s = steps(work.resolve("metrics.jsonl")).size() + 1; s <= step; s++) {
            Files.writeString(work.resolve("metrics.jsonl"), "{\"type\":\"step\",\"step\":" + s + "}\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
    }

    private static List<Long> steps(Path metrics) throws Exception {
        if (!Files.exists(metrics)) {
            return List.of();
        }
        List<Long> steps = new ArrayList<>();
        try (Stream<String> lines = Files.lines(metrics)) {
            for (String line : lines.toList()) {
                JsonNode node = JSON.readTree(line);
                if (node.path("type").asText().equals("step")) {
                    steps.add(node.get("step").asLong());
                }
            }
        }
        return steps;
    }

    /** The object keys under {@code prefix}, listed by the blob store itself. */
    private static Set<String> objectsOf(String prefix) {
        Set<String> keys = new TreeSet<>();
        for (StorageMetadata m : server.blobs().list(S3TestServer.BUCKET, ListContainerOptions.Builder.prefix(prefix).recursive())) {
            if (m.getName().startsWith(prefix) && !m.getName().endsWith("/")) {
                keys.add(m.getName());
            }
        }
        return keys;
    }

    private static CheckpointManifest manifest(String runPrefix) throws Exception {
        return JSON.readValue(server.blobs().getBlob(S3TestServer.BUCKET, runPrefix + S3Store.MANIFEST).getPayload().openStream(),
                CheckpointManifest.class);
    }
}
