package io.tunestream.schemas;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The one shape of a dead letter, whoever writes it (a worker for a request it cannot run, the coordinator for a
 * submission it will not dispatch): the original bytes, cut to {@link #MAX_BYTES} with the original size in a
 * header, and the reason, the field at fault and where the record came from in headers. A dead letter stays far
 * below the broker's 1 MiB message limit, so it is never lost for its size.
 */
public final class DeadLetters {

    /** How much of the original record a dead letter keeps. */
    public static final int MAX_BYTES = 64 * 1024;

    private DeadLetters() {}

    /**
     * @param topic the dead-letter topic
     * @param key the original record's key (cut to {@link RequestLimits#MAX_MESSAGE_CHARS})
     * @param original the original record's bytes, or null for a tombstone
     * @param source where it came from: topic-partition@offset, or a topic
     * @param field the request field at fault, or null for the record as a whole
     * @param reason why it cannot run
     */
    public static ProducerRecord<String, byte[]> record(String topic, String key, byte[] original, String source,
            String field, String reason) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.HEADER_ERROR, RequestLimits.bounded(reason).getBytes(StandardCharsets.UTF_8));
        headers.add(Topics.HEADER_SOURCE, source.getBytes(StandardCharsets.UTF_8));
        if (field != null) {
            headers.add(Topics.HEADER_FIELD, field.getBytes(StandardCharsets.UTF_8));
        }
        byte[] kept = original;
        if (original != null && original.length > MAX_BYTES) {
            kept = Arrays.copyOf(original, MAX_BYTES);
            headers.add(Topics.HEADER_ORIGINAL_BYTES, Integer.toString(original.length).getBytes(StandardCharsets.UTF_8));
        }
        String boundedKey = key == null || key.length() <= RequestLimits.MAX_MESSAGE_CHARS ? key
                : key.substring(0, RequestLimits.MAX_MESSAGE_CHARS);
        return new ProducerRecord<>(topic, null, boundedKey, kept, headers);
    }
}
