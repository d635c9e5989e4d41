package io.tunestream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;

class MessageCodecTest {

    private final MessageCodec codec = MessageCodec.get();

    @Test
    void everyMessageTypeRoundTripsAndIsRecognisedByItsFingerprint() {
        assertEquals(MessageCodec.MESSAGE_TYPES.size(), Messages.all().size());
        for (SpecificRecordBase message : Messages.all()) {
            byte[] bytes = codec.encode(message);
            assertEquals((byte) 0xC3, bytes[0]);
            assertEquals((byte) 0x01, bytes[1]);
            assertEquals(message.getClass(), codec.typeOf(bytes));
            assertEquals(message, codec.decode(bytes));
            assertEquals(message, codec.decode(bytes, message.getClass()));
        }
    }

    @Test
    void textIsRefusedWithAMessageThatSaysWhatWasExpected() {
        MessageFormatException e = assertThrows(MessageFormatException.class,
                () -> codec.decode("{\"runId\":\"x\"}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("not an Avro single-object record"), e.getMessage());
        assertTrue(e.getMessage().contains("7B 22"), e.getMessage());
        assertTrue(assertThrows(MessageFormatException.class, () -> codec.decode(null)).getMessage().contains("tombstone"));
    }

    @Test
    void anUnknownFingerprintIsNamed() {
        byte[] bytes = codec.encode(Messages.cancel());
        bytes[5] ^= 0x55;
        MessageFormatException e = assertThrows(MessageFormatException.class, () -> codec.decode(bytes));
        assertTrue(e.getMessage().contains("unknown schema fingerprint"), e.getMessage());
    }

    @Test
    void aTruncatedBodyIsCorruptNotACrash() {
        byte[] bytes = codec.encode(Messages.request());
        byte[] truncated = Arrays.copyOf(bytes, 14);
        MessageFormatException e = assertThrows(MessageFormatException.class, () -> codec.decode(truncated));
        assertTrue(e.getMessage().startsWith("corrupt ExperimentRequest"), e.getMessage());
    }

    @Test
    void aMessageOfAnotherTypeIsRefusedByName() {
        byte[] bytes = codec.encode(Messages.cancel());
        MessageFormatException e = assertThrows(MessageFormatException.class, () -> codec.decode(bytes, ExperimentRequest.class));
        assertEquals("expected a record of type ExperimentRequest, got ControlCommand", e.getMessage());
    }
}
