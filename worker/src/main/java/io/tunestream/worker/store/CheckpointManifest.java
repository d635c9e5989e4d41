package io.tunestream.worker.store;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one small object that commits a run's checkpoint in an object store ({@code runs/RUN/checkpoints.json}): it
 * names the immutable objects that make up the checkpoint, relative to the run's prefix. Objects are written first
 * under names no earlier commit used, then this manifest replaces the previous one in a single PUT, so a reader sees
 * the old checkpoint or the new one, never a mix.
 *
 * @param step the step the latest checkpoint was taken after
 * @param committedAt when, as an ISO-8601 instant
 * @param latest the files of {@code checkpoints/latest} by name; empty once retention dropped it
 * @param best the files of {@code checkpoints/best} by name; empty before the first evaluation or after retention
 * @param metrics the segments of {@code metrics.jsonl}, in order: each commit adds the lines written since the last
 */
public record CheckpointManifest(long step, String committedAt, Map<String, String> latest, Map<String, String> best,
        List<String> metrics) {

    public CheckpointManifest {
        latest = Map.copyOf(latest);
        best = Map.copyOf(best);
        metrics = List.copyOf(metrics);
    }

    /** Every object the manifest names. */
    public Set<String> keys() {
        Set<String> keys = new HashSet<>(latest.values());
        keys.addAll(best.values());
        keys.addAll(metrics);
        return keys;
    }
}
