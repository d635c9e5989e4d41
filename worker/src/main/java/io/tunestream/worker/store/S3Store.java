package io.tunestream.worker.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunestream.schemas.CheckpointRetention;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The store in a bucket of S3 or of any S3-compatible server. Object stores cannot rename, so a run's files live
 * under {@code PREFIX/runs/RUN/}:
 *
 * <pre>
 * config.json        the resolved experiment, written when the run first starts
 * attempt            the attempt that owns the run
 * checkpoints.json   the manifest ({@link CheckpointManifest}) naming the committed checkpoint's objects
 * objects/ID/...     immutable objects of one commit: latest/*, best/*, a metrics.jsonl segment
 * summary.json       the outcome, once the run ends
 * export/hf/, export/peft/   published exports
 * </pre>
 *
 * An attempt works in a local directory ({@code --work-dir}) and commits from it. Every call is retried with
 * backoff within the patience its caller gives; a commit that runs out of patience leaves the previous manifest, and
 * so the previous checkpoint, as it was. Credentials come from the AWS SDK's default chain (environment, system
 * properties, web identity, profile files, container and instance roles), never from a request, and never appear in
 * a message.
 */
public final class S3Store implements CheckpointStore {

    private static final Logger LOG = LoggerFactory.getLogger(S3Store.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String MANIFEST = "checkpoints.json";
    private static final String ATTEMPT = "attempt";
    /** How long an answer about the run's owner is trusted: the lease is asked before every step's write. */
    private static final Duration OWNER_CHECK_INTERVAL = Duration.ofSeconds(2);
    private static final Duration FIRST_PAUSE = Duration.ofMillis(250);
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(4);

    private final S3Client s3;
    private final StoreLocation.S3 location;
    /** Called between a commit's objects and its manifest; a test injects a crash there. */
    private volatile Runnable beforeManifest = () -> {};

    S3Store(S3Client s3, StoreLocation.S3 location) {
        this.s3 = s3;
        this.location = location;
    }

    static S3Store open(StoreLocation.S3 location) {
        var builder = S3Client.builder()
                .region(Region.of(location.region()))
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .httpClientBuilder(Apache5HttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(30)))
                // retries are this class's, with the patience of each call's caller
                .overrideConfiguration(c -> c.apiCallAttemptTimeout(Duration.ofSeconds(60))
                        .retryStrategy(r -> r.maxAttempts(1)))
                // S3-compatible servers differ in their support of the newer default checksums; TLS and the
                // signature already protect each transfer
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        location.endpoint().ifPresent(endpoint -> builder.endpointOverride(endpoint).forcePathStyle(true));
        return new S3Store(builder.build(), location);
    }

    /** A crash (or anything else) between the objects of every later commit and its manifest, for tests. */
    void beforeManifest(Runnable hook) {
        this.beforeManifest = hook;
    }

    @Override
    public String location() {
        return location.uri().toString();
    }

    @Override
    public RunStore run(String runId) {
        return new Run(runId);
    }

    @Override
    public void check() {
        try {
            withRetries("reach the bucket", Duration.ofSeconds(10), () -> s3.headBucket(b -> b.bucket(location.bucket())));
        } catch (StoreUnavailableException e) {
            throw new IllegalArgumentException(e.getMessage()
                    + (e.getCause().getCause() instanceof NoSuchBucketException || notFound(e.getCause().getCause())
                            ? "; create the bucket first" : ""), e);
        }
    }

    @Override
    public void close() {
        s3.close();
    }

    private String where() {
        return location() + location.endpoint().map(e -> " at " + e).orElse("");
    }

    private static boolean notFound(Throwable e) {
        return e instanceof AwsServiceException service && service.statusCode() == 404;
    }

    /**
     * Runs {@code call} until it succeeds, the failure is one that waiting does not cure (a missing bucket, refused
     * credentials), or {@code patience} would run out before the next try; pauses double from 250 ms to 4 s.
     */
    private <T> T withRetries(String what, Duration patience, Supplier<T> call) {
        long deadline = System.nanoTime() + patience.toNanos();
        Duration pause = FIRST_PAUSE;
        while (true) {
            try {
                return call.get();
            } catch (SdkException e) {
                if (!transient_(e) || System.nanoTime() + pause.toNanos() > deadline) {
                    throw new StoreUnavailableException("cannot " + what + " in " + where() + ": " + describe(e), e);
                }
                LOG.debug("cannot {} in {} ({}); trying again in {} ms", what, where(), describe(e), pause.toMillis());
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new StoreUnavailableException("interrupted while trying to " + what + " in " + where(), e);
                }
                pause = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
            }
        }
    }

    /** Failures that may pass: the connection, timeouts, throttling and the server's own errors. */
    private static boolean transient_(SdkException e) {
        if (e instanceof AwsServiceException service) {
            int status = service.statusCode();
            return status >= 500 || status == 429 || status == 408 || service.isThrottlingException();
        }
        return e instanceof SdkClientException;
    }

    /** The failure in a line: the service's error code and status, or the client's message. */
    static String describe(SdkException e) {
        if (e instanceof AwsServiceException service && service.awsErrorDetails() != null) {
            String code = service.awsErrorDetails().errorCode();
            return (code == null ? "error" : code) + " (HTTP " + service.statusCode() + ")"
                    + (service.awsErrorDetails().errorMessage() == null ? "" : ": " + service.awsErrorDetails().errorMessage());
        }
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        return message.lines().findFirst().orElse(message);
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private final class Run implements RunStore {

        private final String runId;
        private final String base;
        private final Path work;
        private CheckpointManifest committed;
        /** The best checkpoint's file as last committed (size and modification time), to upload it only when new. */
        private String committedBest = "";
        /** Bytes of metrics.jsonl that committed segments hold. */
        private long committedMetricsBytes;
        private Integer owner;
        private long ownerCheckedNanos;
        private boolean ownerKnown;

        Run(String runId) {
            this.runId = runId;
            this.base = location.prefix() + "runs/" + runId + "/";
            this.work = location.workDirectory().resolve(runId);
        }

        @Override
        public Path workingDirectory() {
            return work;
        }

        @Override
        public String location() {
            return "s3://" + location.bucket() + "/" + base;
        }

        @Override
        public synchronized void restore(Duration patience) {
            long deadline = System.nanoTime() + patience.toNanos();
            try {
                DirectoryStore.deleteRecursively(work);
                Files.createDirectories(work);
                download("config.json", work.resolve("config.json"), deadline);
                download("summary.json", work.resolve("summary.json"), deadline);
                committed = readManifest(deadline).orElse(null);
                committedMetricsBytes = 0;
                committedBest = "";
                if (committed != null) {
                    for (Map.Entry<String, String> file : committed.latest().entrySet()) {
                        downloadExisting(file.getValue(), work.resolve("checkpoints/latest").resolve(file.getKey()), deadline);
                    }
                    for (Map.Entry<String, String> file : committed.best().entrySet()) {
                        downloadExisting(file.getValue(), work.resolve("checkpoints/best").resolve(file.getKey()), deadline);
                    }
                    Path metrics = work.resolve("metrics.jsonl");
                    Files.deleteIfExists(metrics);
                    Files.createFile(metrics);
                    for (String segment : committed.metrics()) {
                        Path part = work.resolve("metrics.segment");
                        downloadExisting(segment, part, deadline);
                        try (OutputStream out = Files.newOutputStream(metrics, StandardOpenOption.APPEND)) {
                            Files.copy(part, out);
                        }
                        Files.delete(part);
                    }
                    committedMetricsBytes = Files.size(metrics);
                    committedBest = fingerprint(work.resolve("checkpoints/best"));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare the working directory " + work + ": " + e.getMessage(), e);
            }
        }

        @Override
        public synchronized void takeOver(int attempt) {
            withRetries("record attempt " + attempt + " of run " + runId, Duration.ofSeconds(20),
                    () -> s3.putObject(b -> b.bucket(location.bucket()).key(base + ATTEMPT),
                            RequestBody.fromString(Integer.toString(attempt), StandardCharsets.UTF_8)));
            owner = attempt;
            ownerKnown = true;
            ownerCheckedNanos = System.nanoTime();
            deleteOrphans();
        }

        /** Objects of commits that never got their manifest (a crash or an outage between the two): never read. */
        private void deleteOrphans() {
            try {
                Set<String> named = new HashSet<>();
                readManifest(System.nanoTime() + Duration.ofSeconds(10).toNanos())
                        .ifPresent(m -> m.keys().forEach(k -> named.add(base + k)));
                List<String> orphans = s3.listObjectsV2Paginator(b -> b.bucket(location.bucket()).prefix(base + "objects/"))
                        .contents().stream().map(S3Object::key).filter(key -> !named.contains(key)).toList();
                orphans.forEach(this::deleteQuietly);
                if (!orphans.isEmpty()) {
                    LOG.info("run {}: deleted {} objects of commits that never completed", runId, orphans.size());
                }
            } catch (SdkException | StoreUnavailableException e) {
                LOG.warn("run {}: cannot list uncommitted objects to delete them ({}); they are never read", runId, e.getMessage());
            }
        }

        @Override
        public synchronized boolean ownedBy(int attempt) {
            if (!ownerKnown || System.nanoTime() - ownerCheckedNanos >= OWNER_CHECK_INTERVAL.toNanos()) {
                ownerCheckedNanos = System.nanoTime();
                try {
                    owner = readString(base + ATTEMPT).map(text -> {
                        try {
                            return Integer.parseInt(text.trim());
                        } catch (NumberFormatException e) {
                            return -1;
                        }
                    }).orElse(null);
                    ownerKnown = true;
                } catch (SdkException e) {
                    // an unreachable store is not a newer owner: keep the last answer, and let commits find out
                    LOG.debug("run {}: cannot read its owner ({}); keeping the last answer", runId, describe(e));
                }
            }
            return owner == null || owner == attempt;
        }

        @Override
        public synchronized void commitFile(String name, Duration patience) {
            Path file = work.resolve(name);
            withRetries("commit " + name + " of run " + runId, patience,
                    () -> s3.putObject(b -> b.bucket(location.bucket()).key(base + name), RequestBody.fromFile(file)));
        }

        @Override
        public synchronized void commitCheckpoints(Duration patience) {
            long deadline = System.nanoTime() + patience.toNanos();
            Path latest = work.resolve("checkpoints/latest");
            Path best = work.resolve("checkpoints/best");
            Path metrics = work.resolve("metrics.jsonl");
            String id = "objects/" + UUID.randomUUID() + "/";
            List<String> uploaded = new ArrayList<>();
            try {
                Map<String, String> latestKeys = upload(latest, id + "latest/", deadline, uploaded);
                String bestFingerprint = fingerprint(best);
                Map<String, String> bestKeys = committed != null && bestFingerprint.equals(committedBest)
                        ? committed.best() : upload(best, id + "best/", deadline, uploaded);
                List<String> segments = new ArrayList<>(committed == null ? List.of() : committed.metrics());
                long metricsBytes = Files.exists(metrics) ? Files.size(metrics) : 0;
                if (metricsBytes < committedMetricsBytes) {
                    // rewritten (cut back to a checkpoint): one segment holds all of it
                    segments.clear();
                    committedMetricsBytes = 0;
                }
                if (metricsBytes > committedMetricsBytes) {
                    String key = id + "metrics.jsonl";
                    byte[] lines = readRange(metrics, committedMetricsBytes, metricsBytes);
                    put(key, RequestBody.fromBytes(lines), deadline);
                    uploaded.add(key);
                    segments.add(key);
                }
                beforeManifest.run();
                CheckpointManifest manifest = new CheckpointManifest(step(latest), Instant.now().toString(), latestKeys,
                        bestKeys, segments);
                put(MANIFEST, RequestBody.fromBytes(JSON.writeValueAsBytes(manifest)), deadline);
                CheckpointManifest previous = committed;
                committed = manifest;
                committedBest = bestFingerprint;
                committedMetricsBytes = metricsBytes;
                if (previous != null) {
                    previous.keys().stream().filter(k -> !manifest.keys().contains(k)).forEach(k -> deleteQuietly(base + k));
                }
            } catch (StoreUnavailableException e) {
                // best effort: what is left is never read, and the next attempt's start deletes it
                uploaded.forEach(k -> deleteQuietly(base + k));
                throw e;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the checkpoint in " + work + ": " + e.getMessage(), e);
            }
        }

        @Override
        public synchronized void retain(CheckpointRetention keep, Duration patience) {
            if (keep == CheckpointRetention.ALL) {
                return;
            }
            long deadline = System.nanoTime() + patience.toNanos();
            Optional<CheckpointManifest> current = readManifest(deadline);
            if (current.isEmpty()) {
                return;
            }
            CheckpointManifest before = current.get();
            CheckpointManifest after = new CheckpointManifest(before.step(), Instant.now().toString(), Map.of(),
                    keep == CheckpointRetention.BEST ? before.best() : Map.of(), before.metrics());
            try {
                put(MANIFEST, RequestBody.fromBytes(JSON.writeValueAsBytes(after)), deadline);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            committed = after;
            before.keys().stream().filter(k -> !after.keys().contains(k)).forEach(k -> deleteQuietly(base + k));
        }

        @Override
        public synchronized String publish(Path directory, String name, Duration patience) {
            long deadline = System.nanoTime() + patience.toNanos();
            String prefix = "export/" + name + "/";
            try {
                Map<String, String> keys = upload(directory, prefix, deadline, new ArrayList<>());
                Set<String> current = new HashSet<>();
                keys.values().forEach(k -> current.add(base + k));
                s3.listObjectsV2Paginator(b -> b.bucket(location.bucket()).prefix(base + prefix)).contents().stream()
                        .map(S3Object::key).filter(k -> !current.contains(k)).forEach(this::deleteQuietly);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + directory + ": " + e.getMessage(), e);
            }
            return location() + prefix;
        }

        /** Uploads every file under {@code directory} to {@code prefix} + its relative path; the keys by that path. */
        private Map<String, String> upload(Path directory, String prefix, long deadline, List<String> uploaded) throws IOException {
            Map<String, String> keys = new LinkedHashMap<>();
            if (!Files.isDirectory(directory)) {
                return keys;
            }
            List<Path> files;
            try (Stream<Path> walk = Files.walk(directory)) {
                files = walk.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().endsWith(".tmp")).sorted().toList();
            }
            for (Path file : files) {
                String relative = directory.relativize(file).toString().replace('\\', '/');
                String key = prefix + relative;
                put(key, RequestBody.fromFile(file), deadline);
                uploaded.add(key);
                keys.put(relative, key);
            }
            return keys;
        }

        private void put(String key, RequestBody body, long deadline) {
            withRetries("write " + key + " of run " + runId, Duration.ofNanos(remaining(deadline)),
                    () -> s3.putObject(b -> b.bucket(location.bucket()).key(base + key), body));
        }

        private Optional<CheckpointManifest> readManifest(long deadline) {
            return withRetries("read the checkpoint manifest of run " + runId, Duration.ofNanos(remaining(deadline)),
                    () -> readString(base + MANIFEST)).map(text -> {
                        try {
                            return JSON.readValue(text, CheckpointManifest.class);
                        } catch (IOException e) {
                            throw new UncheckedIOException("the checkpoint manifest of run " + runId + " in " + where()
                                    + " cannot be read: " + e.getMessage(), e);
                        }
                    });
        }

        private Optional<String> readString(String key) {
            try {
                return Optional.of(s3.getObjectAsBytes(b -> b.bucket(location.bucket()).key(key)).asUtf8String());
            } catch (NoSuchKeyException e) {
                return Optional.empty();
            }
        }

        /** Downloads {@code name} of the run if it exists. */
        private void download(String name, Path target, long deadline) throws IOException {
            Optional<byte[]> bytes = withRetries("read " + name + " of run " + runId, Duration.ofNanos(remaining(deadline)), () -> {
                try {
                    return Optional.of(s3.getObjectAsBytes(b -> b.bucket(location.bucket()).key(base + name)).asByteArray());
                } catch (NoSuchKeyException e) {
                    return Optional.<byte[]>empty();
                }
            });
            if (bytes.isPresent()) {
                Files.write(target, bytes.get());
            }
        }

        /** Downloads an object a manifest names: its absence means the store lost part of a commit. */
        private void downloadExisting(String key, Path target, long deadline) throws IOException {
            Files.createDirectories(target.getParent());
            withRetries("read " + key + " of run " + runId, Duration.ofNanos(remaining(deadline)), () -> {
                try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(location.bucket()).key(base + key))) {
                    Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    return null;
                } catch (NoSuchKeyException e) {
                    throw new UncheckedIOException(new IOException("the committed checkpoint of run " + runId + " names "
                            + key + ", which is not in " + where() + ": the store lost part of a commit"));
                } catch (IOException e) {
                    throw SdkClientException.create("download of " + key + " broke off: " + e.getMessage(), e);
                }
            });
        }

        private void deleteQuietly(String key) {
            try {
                s3.deleteObject(b -> b.bucket(location.bucket()).key(key));
            } catch (SdkException e) {
                LOG.debug("run {}: cannot delete {} ({}); it is never read", runId, key, describe(e));
            }
        }
    }

    /** Size and modification time of every file under {@code directory}: changes when a checkpoint is rewritten. */
    private static String fingerprint(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return "";
        }
        StringBuilder print = new StringBuilder();
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                print.append(directory.relativize(file)).append(':').append(attributes.size()).append(':')
                        .append(attributes.lastModifiedTime().toInstant()).append(';');
            }
        }
        return print.toString();
    }

    private static long step(Path latest) throws IOException {
        Path state = latest.resolve("state.json");
        return Files.isRegularFile(state) ? JSON.readTree(state.toFile()).path("step").asLong() : 0;
    }

    private static byte[] readRange(Path file, long from, long to) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(from);
            return in.readNBytes((int) (to - from));
        }
    }
}
