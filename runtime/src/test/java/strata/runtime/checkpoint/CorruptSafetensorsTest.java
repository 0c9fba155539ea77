package strata.runtime.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each way a safetensors file can be broken is refused, in both load modes, with a message naming the file and the fault. */
class CorruptSafetensorsTest {
    @TempDir Path dir;

    /** A file with the given header length field, header text and data bytes, built by hand. */
    private Path file(long headerLength, byte[] header, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(header);
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, b.array());
        return f;
    }

    private Path file(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, dataBytes);
    }

    private static void refused(Path f, String problem) {
        for (Safetensors.Load load : Safetensors.Load.values()) {
            try (Arena arena = Arena.ofConfined()) {
                CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Safetensors.read(f, arena, load));
                assertEquals(f + ": " + problem, e.getMessage(), load.toString());
                assertEquals(f, e.file());
            }
        }
    }

    private static final String A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    @Test
    void aFileShorterThanTheLengthFieldIsRefused() throws IOException {
        Path f = dir.resolve("short.safetensors");
        Files.write(f, new byte[5]);
        refused(f, "the file is 5 bytes, too short to hold the 8-byte header length");
        Files.write(f, new byte[0]);
        refused(f, "the file is 0 bytes, too short to hold the 8-byte header length");
    }

    @Test
    void aHeaderLengthPastTheEndOfTheFileIsRefused() throws IOException {
        refused(file(1000, "{}".getBytes(StandardCharsets.UTF_8), 0), "the header length 1000 runs past the end of the file (10 bytes)");
        refused(file(-1, "{}".getBytes(StandardCharsets.UTF_8), 0), "the header length 18446744073709551615 runs past the end of the file (10 bytes)");
    }

    @Test
    void aHeaderThatIsNotJsonIsRefusedWithThePosition() throws IOException {
        refused(file("{\"a\":{\"dtype\":\"F32\",}}", 0), "the header is not valid JSON: line 1, column 21: unexpected '}', expected a string key");
        refused(file("[1, 2]", 0), "the header is not valid JSON: line 1, column 1: expected a JSON object at the top level, found an array");
        refused(file(2, new byte[] {'"', (byte) 0xC3}, 0), "the header is not valid UTF-8");
    }

    @Test
    void unknownAndUnsupportedDtypesAreNamed() throws IOException {
        refused(file("{\"a\":{\"dtype\":\"F128\",\"shape\":[],\"data_offsets\":[0,16]}}", 16),
                "tensor `a` has unknown dtype \"F128\" (Strata reads F32, BF16, F16, I32, I64 and BOOL)");
        refused(file("{\"a\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]}}", 8),
                "tensor `a` has unsupported dtype \"F64\" (Strata reads F32, BF16, F16, I32, I64 and BOOL)");
    }

    @Test
    void malformedEntriesAreRefused() throws IOException {
        refused(file("{\"a\":[1]}", 0), "tensor `a` is an array, expected an object");
        refused(file("{\"a\":{\"shape\":[],\"data_offsets\":[0,4]}}", 4), "tensor `a` has no string \"dtype\"");
        refused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "tensor `a` has \"shape\" holding -1, expected non-negative integers");
        refused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4), "tensor `a` has \"data_offsets\" of 1 numbers, expected 2");
        refused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4), "tensor `a` has data_offsets [4, 0] that end before they begin");
        refused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4), "tensor `a` has an unknown field \"x\"");
        refused(file("{\"__metadata__\":{\"k\":1}," + A + "}", 8), "__metadata__ entry \"k\" is a number, expected a string");
    }

    @Test
    void offsetsThatDisagreeWithShapeTimesDtypeSizeAreRefused() throws IOException {
        refused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", 12),
                "tensor `a` has data_offsets [0, 12] spanning 12 bytes, but F32[2, 2] needs 16");
    }

    @Test
    void offsetsPastTheDataAreRefused() throws IOException {
        refused(file("{" + A + "}", 4), "tensor `a` has data_offsets [0, 8] past the end of the data (4 bytes)");
    }

    @Test
    void overlappingTensorsAreRefused() throws IOException {
        refused(file("{" + A + ",\"b\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "tensors `a` [0, 8] and `b` [4, 12] overlap");
    }

    @Test
    void gapsAndTrailingBytesAreRefused() throws IOException {
        refused(file("{\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "data bytes [0, 4) belong to no tensor");
        refused(file("{" + A + "}", 11), "3 bytes of trailing data follow the last tensor (which ends at 8)");
    }

    @Test
    void aMissingFileSaysSo() {
        Path f = dir.resolve("none.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            for (Safetensors.Load load : Safetensors.Load.values()) {
                NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Safetensors.read(f, arena, load));
                assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("no such checkpoint file"), e.getMessage());
            }
        }
    }

    @Test
    void aWellFormedHandWrittenFileReads() throws IOException {
        // the same builder, with nothing wrong, reads: the refusals above are for the faults, not the builder
        try (Arena arena = Arena.ofConfined()) {
            Checkpoint c = Safetensors.read(file("{\"__metadata__\":{\"k\":\"v\"}," + A + "}   ", 8), arena, Safetensors.Load.COPIED);
            assertEquals(2, c.tensor("a").numel());
            assertEquals("v", c.metadata().get("k"));
        }
    }
}
