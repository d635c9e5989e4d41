package io.tunestream.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Encodes and decodes every Tunestream message in Avro's single-object encoding: two marker bytes, the writer
 * schema's CRC-64-AVRO fingerprint, then the binary body (Avro specification, "Single-object encoding"). The
 * fingerprint tells a reader which schema wrote a record, so readers evolve without a schema registry.
 *
 * <p>Each message type knows its current schema and every earlier version shipped under
 * {@code io/tunestream/schemas/history/<Type>/v<N>.avsc}; a record written with any of them decodes into the
 * current class by Avro's schema resolution. {@code SchemaCompatibilityTest} keeps that promise.
 */
public final class MessageCodec {

    /** Every message type, in the order of the topics that carry them. */
    public static final List<Class<? extends SpecificRecordBase>> MESSAGE_TYPES = List.of(
            ExperimentRequest.class, RunStatus.class, StepMetric.class, EvalMetric.class, ControlCommand.class,
            WorkerHeartbeat.class, SweepSchedule.class, RunLog.class);

    private static final byte[] MARKER = {(byte) 0xC3, (byte) 0x01};
    private static final int HEADER_LENGTH = MARKER.length + Long.BYTES;
    private static final MessageCodec INSTANCE = new MessageCodec();

    private final Map<Class<?>, BinaryMessageEncoder<SpecificRecordBase>> encoders = new HashMap<>();
    private final Map<Class<?>, BinaryMessageDecoder<SpecificRecordBase>> decoders = new HashMap<>();
    private final Map<Long, Class<? extends SpecificRecordBase>> typeByFingerprint = new HashMap<>();

    private MessageCodec() {
        for (Class<? extends SpecificRecordBase> type : MESSAGE_TYPES) {
            SpecificData model = SpecificData.getForClass(type);
            Schema current = model.getSchema(type);
            encoders.put(type, new BinaryMessageEncoder<>(model, current));
            BinaryMessageDecoder<SpecificRecordBase> decoder = new BinaryMessageDecoder<>(model, current);
            typeByFingerprint.put(fingerprint(current), type);
            for (Schema earlier : history(type).values()) {
                decoder.addSchema(earlier);
                typeByFingerprint.put(fingerprint(earlier), type);
            }
            decoders.put(type, decoder);
        }
    }

    public static MessageCodec get() {
        return INSTANCE;
    }

    public byte[] encode(SpecificRecordBase message) {
        BinaryMessageEncoder<SpecificRecordBase> encoder = encoders.get(message.getClass());
        if (encoder == null) {
            throw new IllegalArgumentException(message.getClass().getName() + " is not a Tunestream message type");
        }
        try {
            ByteBuffer buffer = encoder.encode(message);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (AvroRuntimeException | NullPointerException e) {
            throw new IllegalArgumentException("cannot encode " + message.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** Decodes a message of any type; the fingerprint says which. */
    public SpecificRecordBase decode(byte[] bytes) {
        Class<? extends SpecificRecordBase> type = typeOf(bytes);
        try {
            return decoders.get(type).decode(bytes);
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
            throw new MessageFormatException("corrupt " + type.getSimpleName() + " record (" + bytes.length + " bytes): " + e.getMessage(), e);
        }
    }

    /** Decodes a message that must be of {@code type}. */
    public <T extends SpecificRecordBase> T decode(byte[] bytes, Class<T> type) {
        SpecificRecordBase message = decode(bytes);
        if (!type.isInstance(message)) {
            throw new MessageFormatException("expected a record of type " + type.getSimpleName() + ", got "
                    + message.getClass().getSimpleName());
        }
        return type.cast(message);
    }

    /** The message type that wrote {@code bytes}, from the fingerprint in their header. */
    public Class<? extends SpecificRecordBase> typeOf(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER_LENGTH || bytes[0] != MARKER[0] || bytes[1] != MARKER[1]) {
            throw new MessageFormatException("not an Avro single-object record: expected the marker C3 01 and an"
                    + " 8-byte schema fingerprint, got " + preview(bytes));
        }
        long fingerprint = ByteBuffer.wrap(bytes, MARKER.length, Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Class<? extends SpecificRecordBase> type = typeByFingerprint.get(fingerprint);
        if (type == null) {
            throw new MessageFormatException(String.format("unknown schema fingerprint %016x: not written by any"
                    + " version of %s known to this build (a newer writer, or another application's topic)",
                    fingerprint, MESSAGE_TYPES.stream().map(Class::getSimpleName).toList()));
        }
        return type;
    }

    /** Every earlier version of {@code type}'s schema that this build ships, by version number. */
    public static Map<Integer, Schema> history(Class<? extends SpecificRecordBase> type) {
        Map<Integer, Schema> versions = new LinkedHashMap<>();
        for (int version = 1; ; version++) {
            String resource = "history/" + type.getSimpleName() + "/v" + version + ".avsc";
            try (InputStream in = MessageCodec.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return versions;
                }
                versions.put(version, new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read schema history " + resource, e);
            }
        }
    }

    static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    private static String preview(byte[] bytes) {
        if (bytes == null) {
            return "no value (a tombstone)";
        }
        List<String> hex = new ArrayList<>();
        for (int i = 0; i < Math.min(bytes.length, 10); i++) {
            hex.add(String.format("%02X", bytes[i]));
        }
        return bytes.length + " bytes starting " + String.join(" ", hex);
    }
}
