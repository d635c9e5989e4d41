package io.tunestream.worker.model;

import io.tunestream.worker.tensor.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which pretrained model a run started from, for its lineage (docs/worker.md, "Lineage"): the reference it was asked
 * for, the source the weights were read from, and a digest of the weights themselves, so that two runs naming the
 * same reference on workers with different files are told apart.
 *
 * @param reference the model reference, such as {@code minilm-l6}
 * @param source where the weights were read: a jar and its entry, a directory, or {@code generated}
 * @param weightsSha256 SHA-256 over every tensor's name, shape and float32 values (little-endian), in name order
 */
public record ModelIdentity(String reference, String source, String weightsSha256) {

    /** The identity of {@code weights}, as loaded from {@code source} for {@code reference}. */
    public static ModelIdentity of(String reference, String source, Map<String, HostTensor> weights) {
        MessageDigest sha = newSha256();
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, HostTensor> entry : new TreeMap<>(weights).entrySet()) {
            sha.update(entry.getKey().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            HostTensor tensor = entry.getValue();
            buffer.clear();
            buffer.putInt(tensor.shape().length);
            for (long dimension : tensor.shape()) {
                buffer.putLong(dimension);
            }
            buffer.flip();
            sha.update(buffer);
            float[] values = tensor.values();
            for (int from = 0; from < values.length; from += buffer.capacity() / Float.BYTES) {
                int to = Math.min(values.length, from + buffer.capacity() / Float.BYTES);
                buffer.clear();
                buffer.asFloatBuffer().put(values, from, to - from);
                buffer.limit((to - from) * Float.BYTES);
                sha.update(buffer);
            }
        }
        return new ModelIdentity(reference, source, HexFormat.of().formatHex(sha.digest()));
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
