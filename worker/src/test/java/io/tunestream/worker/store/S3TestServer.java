package io.tunestream.worker.store;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.options.PutOptions;
import org.jclouds.blobstore.util.ForwardingBlobStore;
import org.jclouds.http.HttpResponse;
import org.jclouds.http.HttpResponseException;

/**
 * A real S3-compatible server on loopback for the store's tests: S3Proxy over an in-memory blob store, checking AWS
 * signatures against one access key. It can be stopped and started again on the same port with its objects kept,
 * as an outage, and can throttle uploads as S3 does. Clients in this JVM find the key through the AWS SDK's default chain (system properties); worker
 * processes through the environment ({@link #environment()}).
 */
public final class S3TestServer implements AutoCloseable {

    public static final String ACCESS_KEY = "tunestream-test";
    public static final String SECRET_KEY = "tunestream-test-secret-do-not-log";
    public static final String BUCKET = "tunestream-test";

    private final BlobStoreContext context;
    private final int port;
    private final AtomicInteger throttledWrites = new AtomicInteger();
    private S3Proxy proxy;

    public S3TestServer() throws Exception {
        context = ContextBuilder.newBuilder("transient").credentials(ACCESS_KEY, SECRET_KEY).build(BlobStoreContext.class);
        context.getBlobStore().createContainerInLocation(null, BUCKET);
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
        start();
    }

    /** Starts serving (again): the objects of before are still there. */
    public synchronized void start() throws Exception {
        proxy = S3Proxy.builder().blobStore(new Throttling(context.getBlobStore())).endpoint(endpoint())
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
        proxy.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start within 30 s: " + proxy.getState());
            }
            Thread.sleep(20);
        }
    }

    /** Stops serving: connections to the port are refused until {@link #start()}. */
    public synchronized void stop() throws Exception {
        proxy.stop();
    }

    /** The next {@code writes} uploads are answered 503, as S3 answers SlowDown when a prefix takes too many requests. */
    public void throttleWrites(int writes) {
        throttledWrites.set(writes);
    }

    /** Uploads throttled but not yet answered. */
    public int throttledWritesLeft() {
        return Math.max(0, throttledWrites.get());
    }

    /** The blob store as S3Proxy serves it: uploads refused with 503 while any are to be throttled. */
    private final class Throttling extends ForwardingBlobStore {

        Throttling(BlobStore blobs) {
            super(blobs);
        }

        @Override
        public String putBlob(String container, Blob blob) {
            throttle();
            return super.putBlob(container, blob);
        }

        @Override
        public String putBlob(String container, Blob blob, PutOptions options) {
            throttle();
            return super.putBlob(container, blob, options);
        }

        private void throttle() {
            if (throttledWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new HttpResponseException("SlowDown", null, HttpResponse.builder().statusCode(503).message("Slow Down").build());
            }
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The bucket under {@code prefix}, worked on locally in {@code workDirectory}. */
    public StoreLocation.S3 location(String prefix, Path workDirectory) {
        return (StoreLocation.S3) StoreLocation.parse("s3://" + BUCKET + "/" + prefix, Optional.of(endpoint()),
                StoreLocation.DEFAULT_REGION, workDirectory);
    }

    /** The objects directly, for checks that must not go through the code under test. */
    public BlobStore blobs() {
        return context.getBlobStore();
    }

    /** What a worker process needs in its environment to reach the server. */
    public static Map<String, String> environment() {
        return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY, "AWS_EC2_METADATA_DISABLED", "true");
    }

    @Override
    public void close() throws Exception {
        try {
            proxy.stop();
        } finally {
            context.close();
        }
    }
}
