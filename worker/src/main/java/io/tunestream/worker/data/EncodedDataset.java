package io.tunestream.worker.data;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Sentences turned into token ids once, before training: [CLS] ... [SEP], truncated to the tokenizer's maximum
 * length and not padded (batches pad to their own longest sentence).
 */
public final class EncodedDataset {

    private static final int ENCODE_CHUNK = 2048;

    private final List<long[]> tokenIds;
    private final int[] labels;

    private EncodedDataset(List<long[]> tokenIds, int[] labels) {
        this.tokenIds = tokenIds;
        this.labels = labels;
    }

    public static EncodedDataset encode(List<LabelledSentence> examples, HuggingFaceTokenizer tokenizer) {
        return encode(examples, tokenizer, () -> false);
    }

    /** As {@link #encode(List, HuggingFaceTokenizer)}, stopping between chunks once {@code stopRequested} says so. */
    public static EncodedDataset encode(List<LabelledSentence> examples, HuggingFaceTokenizer tokenizer,
            BooleanSupplier stopRequested) {
        List<long[]> ids = new ArrayList<>(examples.size());
        int[] labels = new int[examples.size()];
        for (int start = 0; start < examples.size(); start += ENCODE_CHUNK) {
            PreparationStoppedException.check(stopRequested);
            List<LabelledSentence> chunk = examples.subList(start, Math.min(examples.size(), start + ENCODE_CHUNK));
            Encoding[] encodings = tokenizer.batchEncode(chunk.stream().map(LabelledSentence::sentence).toList());
            for (int i = 0; i < encodings.length; i++) {
                ids.add(encodings[i].getIds());
                labels[start + i] = chunk.get(i).label();
            }
        }
        return new EncodedDataset(ids, labels);
    }

    /**
     * The first {@code count} examples of a seeded shuffle: the same subset for the same seed, drawn from the whole
     * file rather than its head (SST-2's train file is not shuffled by label).
     */
    public static List<LabelledSentence> subset(List<LabelledSentence> examples, int count, long seed) {
        if (count <= 0 || count >= examples.size()) {
            return examples;
        }
        List<LabelledSentence> shuffled = new ArrayList<>(examples);
        Collections.shuffle(shuffled, new Random(seed));
        return List.copyOf(shuffled.subList(0, count));
    }

    public int size() {
        return labels.length;
    }

    public long[] tokenIds(int index) {
        return tokenIds.get(index);
    }

    /** The token ids of the examples a batch names, in its order. */
    public List<long[]> tokenIds(int[] batch) {
        List<long[]> ids = new ArrayList<>(batch.length);
        for (int index : batch) {
            ids.add(tokenIds.get(index));
        }
        return ids;
    }

    /** The labels of the examples a batch names, in its order. */
    public long[] labels(int[] batch) {
        long[] selected = new long[batch.length];
        for (int i = 0; i < batch.length; i++) {
            selected[i] = labels[batch[i]];
        }
        return selected;
    }

    public int length(int index) {
        return tokenIds.get(index).length;
    }

    /** Real (unpadded) tokens over the whole dataset. */
    public long tokenCount() {
        long total = 0;
        for (long[] ids : tokenIds) {
            total += ids.length;
        }
        return total;
    }
}
