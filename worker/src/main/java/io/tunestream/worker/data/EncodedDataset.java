package io.tunestream.worker.data;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.util.PairList;
import io.tunestream.worker.task.Task;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Examples turned into token ids once, before training, as BERT's tokenizer encodes them: {@code [CLS] a [SEP]}, or
 * {@code [CLS] a [SEP] b [SEP]} with token types 0 then 1 for a pair, truncated to the tokenizer's maximum length
 * (the longer text first) and not padded (batches pad to their own longest example).
 */
public final class EncodedDataset {

    private static final int ENCODE_CHUNK = 2048;

    private final Task.Kind kind;
    private final List<long[]> tokenIds;
    private final List<long[]> typeIds;
    private final double[] labels;

    private EncodedDataset(Task.Kind kind, List<long[]> tokenIds, List<long[]> typeIds, double[] labels) {
        this.kind = kind;
        this.tokenIds = tokenIds;
        this.typeIds = typeIds;
        this.labels = labels;
    }

    public static EncodedDataset encode(List<Example> examples, Task.Kind kind, HuggingFaceTokenizer tokenizer) {
        return encode(examples, kind, tokenizer, () -> false);
    }

    /** As {@link #encode(List, Task.Kind, HuggingFaceTokenizer)}, stopping between chunks once {@code stopRequested} says so. */
    public static EncodedDataset encode(List<Example> examples, Task.Kind kind, HuggingFaceTokenizer tokenizer,
            BooleanSupplier stopRequested) {
        boolean pairs = !examples.isEmpty() && examples.get(0).pair() != null;
        List<long[]> ids = new ArrayList<>(examples.size());
        List<long[]> types = pairs ? new ArrayList<>(examples.size()) : null;
        double[] labels = new double[examples.size()];
        for (int start = 0; start < examples.size(); start += ENCODE_CHUNK) {
            PreparationStoppedException.check(stopRequested);
            List<Example> chunk = examples.subList(start, Math.min(examples.size(), start + ENCODE_CHUNK));
            Encoding[] encodings;
            if (pairs) {
                PairList<String, String> texts = new PairList<>(chunk.size());
                chunk.forEach(e -> texts.add(e.text(), e.pair()));
                encodings = tokenizer.batchEncode(texts);
            } else {
                encodings = tokenizer.batchEncode(chunk.stream().map(Example::text).toList());
            }
            for (int i = 0; i < encodings.length; i++) {
                ids.add(encodings[i].getIds());
                if (pairs) {
                    types.add(encodings[i].getTypeIds());
                }
                labels[start + i] = chunk.get(i).label();
            }
        }
        return new EncodedDataset(kind, ids, types, labels);
    }

    /**
     * The first {@code count} examples of a seeded shuffle: the same subset for the same seed, drawn from the whole
     * file rather than its head (SST-2's train file is not shuffled by label).
     */
    public static List<Example> subset(List<Example> examples, int count, long seed) {
        if (count <= 0 || count >= examples.size()) {
            return examples;
        }
        List<Example> shuffled = new ArrayList<>(examples);
        Collections.shuffle(shuffled, new Random(seed));
        return List.copyOf(shuffled.subList(0, count));
    }

    public int size() {
        return labels.length;
    }

    public boolean pairs() {
        return typeIds != null;
    }

    public long[] tokenIds(int index) {
        return tokenIds.get(index);
    }

    /** The examples a batch names, in its order, with their labels as the task's kind needs them. */
    public Batch batch(int[] indices) {
        List<long[]> ids = new ArrayList<>(indices.length);
        List<long[]> types = typeIds == null ? null : new ArrayList<>(indices.length);
        for (int index : indices) {
            ids.add(tokenIds.get(index));
            if (types != null) {
                types.add(typeIds.get(index));
            }
        }
        if (kind == Task.Kind.REGRESSION) {
            float[] targets = new float[indices.length];
            for (int i = 0; i < indices.length; i++) {
                targets[i] = (float) labels[indices[i]];
            }
            return new Batch(ids, types, null, targets);
        }
        long[] classes = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            classes[i] = (long) labels[indices[i]];
        }
        return new Batch(ids, types, classes, null);
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
