package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Pads token-id sequences to the longest in the batch (not to a fixed length: SST-2 sentences are far shorter
 * than 128 tokens) and builds the encoder's inputs: ids (B, T), attention mask (B, T), token types (B, T), the
 * types all 0 for single texts and as the tokenizer gave them for sentence pairs.
 */
public final class TokenBatch {

    /** BERT's [PAD] id in every uncased WordPiece vocabulary. */
    public static final long PAD_ID = 0;

    private TokenBatch() {}

    public static NDList of(NDManager manager, List<long[]> sequences) {
        return of(manager, sequences, null);
    }

    /** As {@link #of(NDManager, List)}, with each sequence's token types ({@code types} null: all 0). */
    public static NDList of(NDManager manager, List<long[]> sequences, List<long[]> types) {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one sequence");
        }
        int length = sequences.stream().mapToInt(s -> s.length).max().orElseThrow();
        int batch = sequences.size();
        long[] ids = new long[batch * length];
        long[] mask = new long[batch * length];
        long[] typeIds = types == null ? null : new long[batch * length];
        for (int b = 0; b < batch; b++) {
            long[] sequence = sequences.get(b);
            for (int t = 0; t < length; t++) {
                boolean real = t < sequence.length;
                ids[b * length + t] = real ? sequence[t] : PAD_ID;
                mask[b * length + t] = real ? 1 : 0;
                if (typeIds != null) {
                    typeIds[b * length + t] = real ? types.get(b)[t] : 0;
                }
            }
        }
        Shape shape = new Shape(batch, length);
        NDArray typeArray = typeIds == null ? manager.zeros(shape, DataType.INT64) : manager.create(typeIds, shape);
        return new NDList(manager.create(ids, shape), manager.create(mask, shape), typeArray);
    }
}
