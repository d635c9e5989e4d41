package io.tunestream.cli;

import io.tunestream.worker.store.StoreLocation;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Where runs are kept: the checkpoint store's flags, for the worker, which writes runs there, and for {@code export},
 * which reads a run there and publishes its exports beside it (docs/worker.md, "The checkpoint store").
 */
final class StoreOptions {

    @Option(names = {"--checkpoint-store", "--checkpoint-dir"}, paramLabel = "DIR|s3://BUCKET/PREFIX",
            description = "Checkpoint store that every worker reaches: a shared directory, or a bucket of S3 or an S3-compatible"
                    + " server (default: ~/.cache/tunestream/checkpoints).")
    String checkpointStore;

    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "An S3-compatible server's address for an s3:// store, e.g. http://minio:9000 (default: AWS's endpoint"
                    + " for the region). Credentials come from the AWS SDK's default chain: AWS_ACCESS_KEY_ID and"
                    + " AWS_SECRET_ACCESS_KEY, a profile, a web identity or an instance role.")
    URI s3Endpoint;

    @Option(names = "--s3-region", defaultValue = "${env:AWS_REGION:-" + StoreLocation.DEFAULT_REGION + "}", paramLabel = "REGION",
            description = "Region of the s3:// store's bucket (default: $AWS_REGION, else ${DEFAULT-VALUE}).")
    String s3Region;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Local directory where an s3:// store's runs are written before they are committed"
                    + " (default: ~/.cache/tunestream/work).")
    Path workDir;

    /** Whether a store was named; the default store is only the worker's. */
    boolean given() {
        return checkpointStore != null;
    }

    /** The store the flags name, or the user cache's. */
    StoreLocation location() {
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "tunestream");
        return StoreLocation.parse(checkpointStore != null ? checkpointStore : cache.resolve("checkpoints").toString(),
                Optional.ofNullable(s3Endpoint), s3Region, workDir != null ? workDir : cache.resolve("work"));
    }

    /** The store for people: a directory, or the bucket, its server and the local working directory. */
    static String describe(StoreLocation store) {
        if (store instanceof StoreLocation.S3 s3) {
            return s3.uri() + s3.endpoint().map(e -> " at " + e).orElse("") + " (working in " + s3.workDirectory() + ")";
        }
        return ((StoreLocation.Directory) store).path().toString();
    }
}
