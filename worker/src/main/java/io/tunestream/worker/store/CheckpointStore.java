package io.tunestream.worker.store;

/**
 * Where runs keep what outlives an attempt: their config, metrics, checkpoints, summary and exported models, so that a
 * run dispatched again on any worker resumes where the last attempt committed (docs/worker.md, "The checkpoint
 * store"). Two kinds: a directory every worker mounts ({@link DirectoryStore}) and S3-compatible object storage
 * ({@link S3Store}).
 */
public interface CheckpointStore extends AutoCloseable {

    /** Opens the store {@code location} names. */
    static CheckpointStore open(StoreLocation location) {
        if (location instanceof StoreLocation.Directory directory) {
            return new DirectoryStore(directory.path());
        }
        return S3Store.open((StoreLocation.S3) location);
    }

    /** The store, as a user would name it: a directory or {@code s3://bucket/prefix}. */
    String location();

    /** The files of run {@code runId}; the handle of one attempt. */
    RunStore run(String runId);

    /**
     * Fails with a clear message when the store cannot be used (a directory that cannot be created, a bucket that
     * does not exist or refuses these credentials), so a worker says so at its start rather than at its first run.
     */
    void check();

    @Override
    void close();
}
