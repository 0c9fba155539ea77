package strata.runtime.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import strata.compiler.graph.DType;
import strata.runtime.Tensor;

/** Files the writer makes are what the format describes, and read back bit for bit, mapped or copied. */
class SafetensorsTest {
    @TempDir Path dir;

    private static final List<DType> DTYPES = List.of(DType.F32, DType.BF16, DType.F16, DType.I32, DType.I64, DType.BOOL);

    /** Random names (any code point, quotes and controls included), dtypes, shapes (scalars and empty ones too) and bytes. */
    static Map<String, Tensor> randomTensors(Random r, Arena arena) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int k = r.nextInt(6); k > 0; k--) {
            String name = randomName(r);
            if (name.equals("__metadata__")) continue;
            DType dtype = DTYPES.get(r.nextInt(DTYPES.size()));
            long[] shape = new long[r.nextInt(4)];
            for (int i = 0; i < shape.length; i++) shape[i] = r.nextInt(r.nextInt(8) == 0 ? 1 : 6);
            Tensor t = Tensor.allocate(arena, dtype, shape);
            long bytes = t.numel() * dtype.bytes();
            for (long i = 0; i < bytes; i++) t.data().set(ValueLayout.JAVA_BYTE, i, (byte) (dtype == DType.BOOL ? r.nextInt(2) : r.nextInt(256)));
            out.put(name, t);
        }
        return out;
    }

    /** Names from any code point but lone surrogates: quotes, backslashes, controls and astral characters included. */
    static String randomName(Random r) {
        StringBuilder b = new StringBuilder();
        for (int i = r.nextInt(8); i > 0; i--) {
            b.appendCodePoint(switch (r.nextInt(4)) {
                case 0 -> r.nextInt(0x80);
                case 1 -> "\"\\\n\t".charAt(r.nextInt(4));
                case 2 -> r.nextInt(0xD800);
                default -> 0x10000 + r.nextInt(0x100000);
            });
        }
        return b.toString();
    }

    static byte[] bytesOf(Tensor t) {
        return t.data().asSlice(0, t.numel() * t.dtype().bytes()).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void anIndependentReaderReadsWhatTheWriterWrote() {
        qt().withExamples(150).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            try (Arena arena = Arena.ofConfined()) {
                Map<String, Tensor> tensors = randomTensors(r, arena);
                Map<String, String> meta = r.nextBoolean() ? Map.of() : Map.of("format", "pt", "step \"7\"", randomName(r));
                Path f = dir.resolve("t" + Long.toHexString(seed) + ".safetensors");
                Safetensors.write(f, tensors, meta);
                IndependentSafetensorsReader.File read = IndependentSafetensorsReader.read(f);
                assertEquals(0, (8 + read.headerLength()) % 8, "the data starts 8-byte aligned");
                assertEquals(meta, read.metadata());
                assertEquals(tensors.keySet(), read.tensors().keySet());
                for (var e : tensors.entrySet()) {
                    Tensor t = e.getValue();
                    assertEquals(new IndependentSafetensorsReader.Raw(Safetensors.formatName(t.dtype()), t.shape(), bytesOf(t)), read.tensors().get(e.getKey()), e.getKey());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void theReaderReturnsWhatWasWrittenMappedOrCopied() {
        qt().withExamples(100).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            try (Arena arena = Arena.ofConfined()) {
                Map<String, Tensor> tensors = randomTensors(r, arena);
                Path f = dir.resolve("r" + Long.toHexString(seed) + ".safetensors");
                Safetensors.write(f, tensors, Map.of("seed", Long.toString(seed)));
                for (Safetensors.Load load : Safetensors.Load.values()) {
                    Checkpoint c = Safetensors.read(f, arena, load);
                    assertEquals(Map.of("seed", Long.toString(seed)), c.metadata());
                    assertEquals(tensors.keySet(), c.tensors().keySet());
                    for (var e : tensors.entrySet()) {
                        Tensor got = c.tensor(e.getKey());
                        assertEquals(e.getValue().dtype(), got.dtype());
                        assertArrayEquals(e.getValue().shape(), got.shape());
                        assertArrayEquals(bytesOf(e.getValue()), bytesOf(got));
                        assertEquals(0, got.data().address() % got.dtype().bytes(), "element-aligned");
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void aMappedTensorCanBeWrittenWithoutChangingTheFile() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(arena, DType.F32, 4);
            for (int i = 0; i < 4; i++) t.set(i, i);
            Path f = dir.resolve("w.safetensors");
            Safetensors.write(f, Map.of("w", t), Map.of());
            byte[] before = Files.readAllBytes(f);
            Checkpoint c = Safetensors.read(f, arena, Safetensors.Load.MAPPED);
            c.tensor("w").set(0, 42);
            assertEquals(42.0, c.tensor("w").get(0));
            assertArrayEquals(before, Files.readAllBytes(f));
        }
    }

    @Test
    void halfPrecisionWidensToF32Exactly() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            // bf16 is the high half of an f32: 0x3F80 = 1.0, 0xC040 = -3.0, 0x7F80 = +inf, 0x0001 = 2^-133 (smallest subnormal).
            short[] bf = {(short) 0x3F80, (short) 0xC040, (short) 0x7F80, (short) 0x0001};
            float[] bfExpected = {1f, -3f, Float.POSITIVE_INFINITY, Math.scalb(1f, -133)};
            // binary16: 0x3C00 = 1.0, 0x7BFF = 65504 (largest), 0x0001 = 2^-24 (smallest subnormal), 0xC000 = -2.0.
            short[] h = {(short) 0x3C00, (short) 0x7BFF, (short) 0x0001, (short) 0xC000};
            float[] hExpected = {1f, 65504f, Math.scalb(1f, -24), -2f};
            Tensor tb = new Tensor(DType.BF16, new long[] {4}, arena.allocateFrom(ValueLayout.JAVA_SHORT, bf));
            Tensor th = new Tensor(DType.F16, new long[] {2, 2}, arena.allocateFrom(ValueLayout.JAVA_SHORT, h));
            Path f = dir.resolve("half.safetensors");
            Safetensors.write(f, Map.of("b", tb, "h", th), Map.of());
            Checkpoint c = Safetensors.read(f, arena, Safetensors.Load.COPIED);
            assertEquals(DType.BF16, c.tensor("b").dtype());
            assertArrayEquals(bfExpected, c.f32("b", arena).data().toArray(ValueLayout.JAVA_FLOAT));
            Tensor wide = c.f32("h", arena);
            assertArrayEquals(new long[] {2, 2}, wide.shape());
            assertArrayEquals(hExpected, wide.data().toArray(ValueLayout.JAVA_FLOAT));
            assertSame(c.tensor("b"), c.tensor("b"));
        }
    }

    @Test
    void rewritingReplacesTheFileAndLeavesNoTemporaryBehind() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path f = dir.resolve("model.safetensors");
            Tensor a = Tensor.allocate(arena, DType.I32, 3);
            Safetensors.write(f, Map.of("a", a), Map.of("v", "1"));
            Safetensors.write(f, Map.of("a", a), Map.of("v", "2"));
            assertEquals("2", Safetensors.read(f, arena, Safetensors.Load.COPIED).metadata().get("v"));
            try (var files = Files.list(dir)) {
                assertEquals(List.of(f), files.toList());
            }
        }
    }

    @Test
    void anEmptyCheckpointIsValid() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path f = dir.resolve("empty.safetensors");
            Safetensors.write(f, Map.of(), Map.of());
            Checkpoint c = Safetensors.read(f, arena, Safetensors.Load.MAPPED);
            assertTrue(c.tensors().isEmpty() && c.metadata().isEmpty());
            assertEquals(16, Files.size(f), "8 bytes of length, then {} padded to 8");
        }
    }
}
