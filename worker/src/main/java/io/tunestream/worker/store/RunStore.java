package io.tunestream.worker.store;

import io.tunestream.schemas.CheckpointRetention;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One run's files in a {@link CheckpointStore}, for one attempt. The attempt writes them in its
 * {@link #workingDirectory()} (laid out as {@code RunDirectory} describes) and commits them to the store at the points
 * that matter: the config when the run starts, each checkpoint with the metrics that led to it, the summary at the
 * end. Whatever a commit's timing against a crash, the store holds a whole committed checkpoint: the last, or the
 * one before it.
 */
public interface RunStore {

    /** The local directory the attempt writes in; for a directory store, the store's own directory of the run. */
    Path workingDirectory();

    /** Where the run's committed files are: a directory, or {@code s3://bucket/prefix/runs/RUN/}. */
    String location();

    /**
     * Makes the working directory hold what the store last committed for the run (config, metrics, checkpoints,
     * summary) and nothing else.
     *
     * @throws StoreUnavailableException when the store cannot be read within {@code patience}
     */
    void restore(Duration patience);

    /**
     * Records {@code attempt} as the run's owner, replacing any older one, so that an older attempt still training
     * somewhere stops before its next write, even when it cannot read Kafka (docs/worker.md, "Claims").
     */
    void takeOver(int attempt);

    /** Whether the run's owner is still {@code attempt}; a run with no owner recorded is nobody else's. */
    boolean ownedBy(int attempt);

    /**
     * Commits the working directory's file {@code name} ({@code config.json}, {@code summary.json}).
     *
     * @throws StoreUnavailableException when the store did not take it within {@code patience}
     */
    void commitFile(String name, Duration patience);

    /**
     * Commits the working directory's {@code checkpoints/latest}, {@code checkpoints/best} and {@code metrics.jsonl}
     * as one checkpoint: a reader sees all of them or the previous commit's.
     *
     * @throws StoreUnavailableException when the store did not take them within {@code patience}; the previous
     *     commit is intact
     */
    void commitCheckpoints(Duration patience);

    /** Deletes the run's committed checkpoints that {@code keep} does not keep; the metrics and summary stay. */
    void retain(CheckpointRetention keep, Duration patience);

    /**
     * Publishes a directory of exported files (a HuggingFace or PEFT export) as the run's artifact {@code name}.
     *
     * @return where it is, as a user would name it
     */
    String publish(Path directory, String name, Duration patience);
}
