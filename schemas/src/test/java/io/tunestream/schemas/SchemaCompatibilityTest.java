package io.tunestream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;

/**
 * Keeps every message type readable by and from each earlier version shipped in
 * {@code src/main/resources/io/tunestream/schemas/history}. When a schema changes, its previous text is added there
 * as the next version (see schemas/README.md); this test then proves old workers and new coordinators (and the
 * reverse) still understand each other during a rolling upgrade.
 */
class SchemaCompatibilityTest {

    @Test
    void everyTypeShipsItsHistory() {
        for (Class<? extends SpecificRecordBase> type : MessageCodec.MESSAGE_TYPES) {
            assertFalse(MessageCodec.history(type).isEmpty(), type.getSimpleName() + " has no history/v1.avsc");
        }
    }

    /**
     * A changed schema fails here until its text is recorded as the next version, so that the compatibility checks
     * below cover every version that ever shipped. {@code mvn -pl schemas test -Dtunestream.recordSchemas=true}
     * records it.
     */
    @Test
    void theNewestRecordedVersionIsTheCurrentSchema() throws IOException {
        for (Class<? extends SpecificRecordBase> type : MessageCodec.MESSAGE_TYPES) {
            Schema current = SpecificData.getForClass(type).getSchema(type);
            Map<Integer, Schema> history = MessageCodec.history(type);
            int newest = history.keySet().stream().max(Integer::compare).orElse(0);
            if (newest > 0 && history.get(newest).equals(current)) {
                continue;
            }
            Path next = Path.of("src/main/resources/io/tunestream/schemas/history", type.getSimpleName(), "v" + (newest + 1) + ".avsc");
            if (Boolean.getBoolean("tunestream.recordSchemas")) {
                Files.createDirectories(next.getParent());
                Files.writeString(next, current.toString(true) + "\n");
            } else {
                fail(type.getSimpleName() + " changed since v" + newest + ": record it as " + next
                        + " with 'mvn -pl schemas test -Dtunestream.recordSchemas=true' (then rebuild)");
            }
        }
    }

    @Test
    void theCurrentSchemaReadsEveryEarlierVersionAndEveryEarlierVersionReadsTheCurrent() {
        for (Class<? extends SpecificRecordBase> type : MessageCodec.MESSAGE_TYPES) {
            Schema current = SpecificData.getForClass(type).getSchema(type);
            for (Map.Entry<Integer, Schema> earlier : MessageCodec.history(type).entrySet()) {
                String name = type.getSimpleName() + " v" + earlier.getKey();
                assertCompatible(current, earlier.getValue(), "current reading " + name);
                assertCompatible(earlier.getValue(), current, name + " reading current");
            }
        }
    }

    @Test
    void recordsWrittenWithAnEarlierVersionDecodeIntoTheCurrentClasses() throws IOException {
        for (SpecificRecordBase message : Messages.all()) {
            Class<? extends SpecificRecordBase> type = message.getClass();
            for (Schema earlier : MessageCodec.history(type).values()) {
                GenericRecord asWritten = rewrite(message, earlier);
                ByteBuffer bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), earlier).encode(asWritten);
                byte[] array = new byte[bytes.remaining()];
                bytes.get(array);
                assertEquals(message, MessageCodec.get().decode(array, type), type.getSimpleName());
            }
        }
    }

    /** The check can fail: a field added without a default breaks reading records of the earlier version. */
    @Test
    void aFieldAddedWithoutADefaultIsCaught() {
        Schema earlier = MessageCodec.history(ControlCommand.class).get(1);
        String text = earlier.toString().replace("\"fields\":[", "\"fields\":[{\"name\":\"operator\",\"type\":\"string\"},");
        Schema broken = new Schema.Parser().parse(text);
        assertEquals(SchemaCompatibilityType.INCOMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(broken, earlier).getType());
    }

    private static void assertCompatible(Schema reader, Schema writer, String what) {
        SchemaCompatibility.SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        assertTrue(result.getType() == SchemaCompatibilityType.COMPATIBLE, what + ": " + result.getDescription());
    }

    /** The message as a writer holding {@code schema} would have written it: encoded with the current schema, read back as {@code schema}. */
    private static GenericRecord rewrite(SpecificRecordBase message, Schema schema) throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        var encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<SpecificRecordBase>(message.getSchema(), SpecificData.getForClass(message.getClass()))
                .write(message, encoder);
        encoder.flush();
        return new GenericDatumReader<GenericRecord>(message.getSchema(), schema)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    }
}
