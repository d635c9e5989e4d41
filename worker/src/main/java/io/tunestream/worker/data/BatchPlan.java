package io.tunestream.worker.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Which examples go into which batch, in which order: a pure function of the dataset's lengths, the batch size,
 * the seed and the epoch, so that a resumed run sees exactly the batches the uninterrupted run would have seen.
 *
 * <p>Training batches use length bucketing: shuffle, cut into pools of {@value #POOL_BATCHES} batches, sort each pool
 * by length, cut it into batches, then shuffle the batch order. Sentences of similar length share a batch, so padding
 * to the batch's longest sentence computes few pad tokens, while every batch is still a random draw.
 */
public final class BatchPlan {

    /** Batches per sorting pool: large enough for tight buckets, small enough to keep batches random. */
    static final int POOL_BATCHES = 50;

    private BatchPlan() {}

    /** The training batches of one epoch, as lists of example indices. */
    public static List<int[]> training(EncodedDataset data, int batchSize, long seed, int epoch) {
        requirePositive(batchSize);
        Random random = new Random(seed * 1_000_003L + epoch);
        List<Integer> order = new ArrayList<>(IntStream.range(0, data.size()).boxed().toList());
        Collections.shuffle(order, random);
        List<int[]> batches = new ArrayList<>();
        int pool = batchSize * POOL_BATCHES;
        for (int start = 0; start < order.size(); start += pool) {
            List<Integer> bucket = new ArrayList<>(order.subList(start, Math.min(order.size(), start + pool)));
            bucket.sort(Comparator.comparingInt(data::length));
            for (int b = 0; b < bucket.size(); b += batchSize) {
                batches.add(bucket.subList(b, Math.min(bucket.size(), b + batchSize)).stream().mapToInt(Integer::intValue).toArray());
            }
        }
        Collections.shuffle(batches, random);
        return batches;
    }

    /**
     * A batch cut into consecutive micro-batches of {@code size} (the last possibly smaller), for gradient accumulation:
     * a bucketed batch's sentences are of similar length, so its micro-batches pad about as little as it does.
     */
    public static List<int[]> micro(int[] batch, int size) {
        requirePositive(size);
        List<int[]> micro = new ArrayList<>();
        for (int start = 0; start < batch.length; start += size) {
            micro.add(Arrays.copyOfRange(batch, start, Math.min(batch.length, start + size)));
        }
        return micro;
    }

    /** Evaluation batches: every example once, sorted by length, no shuffling. */
    public static List<int[]> evaluation(EncodedDataset data, int batchSize) {
        requirePositive(batchSize);
        Integer[] order = IntStream.range(0, data.size()).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingInt(data::length));
        List<int[]> batches = new ArrayList<>();
        for (int b = 0; b < order.length; b += batchSize) {
            batches.add(Arrays.stream(order, b, Math.min(order.length, b + batchSize)).mapToInt(Integer::intValue).toArray());
        }
        return batches;
    }

    /** The batch that computes the most tokens once padded (size x longest sentence): the step that needs the most memory. */
    public static int[] largest(EncodedDataset data, List<int[]> batches) {
        return batches.stream().max(Comparator.comparingLong(batch -> paddedTokens(data, batch)))
                .orElseThrow(() -> new IllegalArgumentException("no batches"));
    }

    private static long paddedTokens(EncodedDataset data, int[] batch) {
        return (long) batch.length * Arrays.stream(batch).map(data::length).max().orElse(0);
    }

    /** Computed tokens (batch rows times the batch's longest sentence) over real tokens, for a list of batches. */
    public static double paddingRatio(EncodedDataset data, List<int[]> batches) {
        long computed = 0;
        long real = 0;
        for (int[] batch : batches) {
            computed += paddedTokens(data, batch);
            for (int index : batch) {
                real += data.length(index);
            }
        }
        return real == 0 ? 1 : (double) computed / real;
    }

    private static void requirePositive(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
    }
}
