package io.tunestream.worker.data;

import java.util.List;

/**
 * The examples of one step: their token ids, their token-type ids (sentence pairs only), and their labels, as class
 * ids for classification or as targets for regression.
 *
 * @param tokenIds token ids per example, unpadded
 * @param typeIds token-type ids per example (0 for the first text, 1 for the second), or null for single texts
 * @param classes class ids, or null for regression
 * @param targets regression targets, or null for classification
 */
public record Batch(List<long[]> tokenIds, List<long[]> typeIds, long[] classes, float[] targets) {

    /** A classification batch of single texts. */
    public static Batch classification(List<long[]> tokenIds, long[] classes) {
        return new Batch(tokenIds, null, classes, null);
    }

    public int size() {
        return tokenIds.size();
    }

    public boolean isRegression() {
        return targets != null;
    }
}
