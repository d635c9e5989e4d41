package io.tunestream.worker.store;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/** Where a checkpoint store is, as the {@code --checkpoint-store} flag names it. */
public sealed interface StoreLocation {

    /** The region the S3 store signs requests for when none is given: S3-compatible servers accept any. */
    String DEFAULT_REGION = "us-east-1";

    /** A directory every worker mounts under the same path. */
    record Directory(Path path) implements StoreLocation {}

    /**
     * A bucket of S3 or an S3-compatible server.
     *
     * @param bucket the bucket, which must exist
     * @param prefix the keys' common prefix, empty or ending in {@code /}
     * @param endpoint an S3-compatible server's address; empty: AWS's endpoint for the region
     * @param region the region requests are signed for
     * @param workDirectory the local directory where a run's files are written before they are committed
     */
    record S3(String bucket, String prefix, Optional<URI> endpoint, String region, Path workDirectory) implements StoreLocation {

        public URI uri() {
            return URI.create("s3://" + bucket + "/" + prefix);
        }
    }

    static StoreLocation directory(Path path) {
        return new Directory(path);
    }

    /**
     * {@code s3://bucket[/prefix]} or a directory.
     *
     * @throws IllegalArgumentException naming the value and what would be valid
     */
    static StoreLocation parse(String value, Optional<URI> endpoint, String region, Path workDirectory) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("the checkpoint store must be a directory or s3://bucket/prefix, got an empty value");
        }
        if (!value.contains("://")) {
            if (endpoint.isPresent()) {
                throw new IllegalArgumentException("--s3-endpoint " + endpoint.get() + " is given but the checkpoint store '"
                        + value + "' is a directory; name the store as s3://bucket/prefix");
            }
            return new Directory(Path.of(value));
        }
        if (!value.startsWith("s3://")) {
            throw new IllegalArgumentException("unsupported checkpoint store '" + value + "': give a directory or s3://bucket/prefix");
        }
        String rest = value.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        // S3's bucket naming rules: 3 to 63 lower-case letters, digits, dots and hyphens
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new IllegalArgumentException("'" + bucket + "' in '" + value + "' is not a bucket name: 3 to 63 lower-case"
                    + " letters, digits, '.' or '-'");
        }
        if (prefix.startsWith("/") || prefix.contains("//")) {
            throw new IllegalArgumentException("the prefix '" + prefix + "' in '" + value + "' has an empty part");
        }
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        if (region == null || !region.matches("[a-z0-9-]{1,64}")) {
            throw new IllegalArgumentException("'" + region + "' is not a region name, e.g. us-east-1");
        }
        endpoint.ifPresent(uri -> {
            if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
                throw new IllegalArgumentException("--s3-endpoint must be http://host:port or https://host[:port], got '" + uri + "'");
            }
        });
        return new S3(bucket, prefix, endpoint, region, workDirectory);
    }
}
