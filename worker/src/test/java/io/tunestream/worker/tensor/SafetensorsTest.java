package io.tunestream.worker.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

    @Test
    void halfAndBfloat16AreWidenedAndIntegersSkipped(@TempDir Path dir) throws Exception {
        // F16: 1.0 = 0x3C00, -2.5 = 0xC100, 65504 = 0x7BFF, smallest subnormal 2^-24 = 0x0001
        // BF16: 1.0 = 0x3F80, -2.5 = 0xC020, 3.140625 = 0x4049
        ByteBuffer data = ByteBuffer.allocate(8 + 6 + 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int bits : new int[] {0x3C00, 0xC100, 0x7BFF, 0x0001}) {
            data.putShort((short) bits);
        }
        for (int bits : new int[] {0x3F80, 0xC020, 0x4049}) {
            data.putShort((short) bits);
        }
        data.putLong(7L).putLong(9L);
        String header = "{\"half\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},"
                + "\"brain\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[8,14]},"
                + "\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[14,30]}}";
        Path file = dir.resolve("mixed.safetensors");
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + headerBytes.length + data.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(headerBytes.length).put(headerBytes).put(data.array());
        Files.write(file, out.array());

        Safetensors.Contents contents = Safetensors.read(file);
        assertArrayEquals(new float[] {1f, -2.5f, 65504f, (float) Math.pow(2, -24)}, contents.tensors().get("half").values());
        assertArrayEquals(new float[] {1f, -2.5f, 3.140625f}, contents.tensors().get("brain").values());
        assertFalse(contents.tensors().containsKey("ids"));
    }

    @Test
    void writtenFilesReadBackExactly(@TempDir Path dir) throws Exception {
        HostTensor matrix = new HostTensor(new long[] {2, 3}, new float[] {1, -0f, Float.MIN_VALUE, 3.5f, 1e30f, -7});
        Path file = dir.resolve("a.safetensors");
        Safetensors.write(file, Map.of("m", matrix), Map.of("k", "v"));
        Safetensors.Contents contents = Safetensors.read(file);
        assertEquals(matrix, contents.tensors().get("m"));
        assertEquals("v", contents.metadata().get("k"));
        assertEquals(0, (Files.size(file) - 8 - matrix.elementCount() * 4) % 8, "header padded to 8 bytes");
    }

    @Test
    void truncatedFilesAreRejected(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, new byte[] {(byte) 0xff, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
        IOException error = assertThrows(IOException.class, () -> Safetensors.read(file));
        assertTrue(error.getMessage().contains("is not a safetensors file"));
    }
}
