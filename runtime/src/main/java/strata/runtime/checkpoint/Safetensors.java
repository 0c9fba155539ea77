package strata.runtime.checkpoint;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.DType;
import strata.runtime.Tensor;
import strata.runtime.json.Json;
import strata.runtime.json.JsonException;

/**
 * Reads and writes the safetensors format (https://github.com/huggingface/safetensors, README,
 * "Format"): an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping each tensor name
 * to {dtype, shape, data_offsets [begin, end)} relative to the end of the header, an optional
 * "__metadata__" object of strings, then the raw little-endian data. Like the reference reader, this
 * one requires the tensors to tile the data exactly: no overlap, no gap, nothing after the last.
 */
public final class Safetensors {
    private Safetensors() {}

    /** The reference implementation refuses headers above 100 MB (safetensors/src/tensor.rs, MAX_HEADER_SIZE). */
    public static final long MAX_HEADER_BYTES = 100_000_000;

    private static final String METADATA = "__metadata__";

    /** How read makes the tensors' memory. */
    public enum Load {
        /** Maps the file copy-on-write: no copy up front, and a kernel that writes into a tensor changes only this process's pages. */
        MAPPED,
        /** Copies every tensor into the arena. */
        COPIED
    }

    /** Every dtype name the format defines, so that a name outside it reads as unknown and one inside as unsupported. */
    private static final List<String> FORMAT_DTYPES = List.of(
            "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64");

    static String formatName(DType t) {
        return switch (t) {
            case F32 -> "F32";
            case BF16 -> "BF16";
            case F16 -> "F16";
            case I32 -> "I32";
            case I64 -> "I64";
            case BOOL -> "BOOL";
            default -> throw new IllegalArgumentException("safetensors has no name for dtype " + t);
        };
    }

    private static DType fromFormatName(String s) {
        for (DType t : DType.values()) {
            try {
                if (formatName(t).equals(s)) return t;
            } catch (IllegalArgumentException noName) { /* a dtype the format cannot store */ }
        }
        return null;
    }

    // ---- writing ----

    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<String> order = new ArrayList<>(tensors.keySet());
        for (String name : order) {
            if (name.equals(METADATA)) throw new IllegalArgumentException(file + ": a tensor may not be named " + METADATA);
            if (tensors.get(name) == null) throw new IllegalArgumentException(file + ": tensor `" + name + "` is null");
        }
        // Widest element first, then by name, as the reference writer orders them: with the data start
        // aligned to 8 bytes, every tensor then starts at a multiple of its element size.
        order.sort(Comparator.<String>comparingInt(n -> -tensors.get(n).dtype().bytes()).thenComparing(Comparator.naturalOrder()));

        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) header.put(METADATA, new LinkedHashMap<>(metadata));
        long offset = 0;
        for (String name : order) {
            Tensor t = tensors.get(name);
            long bytes = t.numel() * t.dtype().bytes();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", formatName(t.dtype()));
            entry.put("shape", Arrays.stream(t.shape()).boxed().toList());
            entry.put("data_offsets", List.of(offset, offset + bytes));
            header.put(name, entry);
            offset += bytes;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // the format allows trailing spaces in the header
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();

        AtomicFile.replace(file, out -> {
            writeFully(out, head);
            for (String name : order) {
                Tensor t = tensors.get(name);
                MemorySegment data = t.data().asSlice(0, t.numel() * t.dtype().bytes());
                // ByteBuffers hold at most 2 GiB, so large tensors go out in chunks
                for (long at = 0; at < data.byteSize(); at += 1 << 30)
                    writeFully(out, data.asSlice(at, Math.min(1L << 30, data.byteSize() - at)).asByteBuffer());
            }
        });
    }

    private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) out.write(b);
    }

    // ---- reading ----

    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

    public static Checkpoint read(Path file, Arena arena, Load load) throws IOException {
        if (load == Load.MAPPED) {
            // The JDK maps copy-on-write only through a writable channel; the file itself is never written.
            // A file we may not open for writing is read by copying instead: a read-only mapping would
            // turn a kernel's write into a segmentation fault.
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                if (ch.size() > 0) return parse(file, ch.map(FileChannel.MapMode.PRIVATE, 0, ch.size(), arena), arena);
            } catch (NoSuchFileException e) {
                throw new NoSuchFileException(file.toString(), null, "no such checkpoint file");
            } catch (FileSystemException notWritable) { /* copied below */ }
        }
        MemorySegment whole;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            whole = arena.allocate(Math.max(1, size), 64).asSlice(0, size);
            for (long at = 0; at < size; ) {
                int n = ch.read(whole.asSlice(at, Math.min(1L << 30, size - at)).asByteBuffer(), at);
                if (n < 0) throw new CheckpointFormatException(file, "the file shrank while it was read");
                at += n;
            }
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such checkpoint file");
        }
        return parse(file, whole, arena);
    }

    private static Checkpoint parse(Path file, MemorySegment whole, Arena arena) throws CheckpointFormatException {
        long size = whole.byteSize();
        if (size < 8) throw new CheckpointFormatException(file, "the file is " + size + " bytes, too short to hold the 8-byte header length");
        long n = whole.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n < 0 || n > size - 8)
            throw new CheckpointFormatException(file, "the header length " + Long.toUnsignedString(n) + " runs past the end of the file (" + size + " bytes)");
        if (n > MAX_HEADER_BYTES) throw new CheckpointFormatException(file, "the header length " + n + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(whole.asSlice(8, n).asByteBuffer()).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointFormatException(file, "the header is not valid UTF-8");
        }
        Map<String, Object> header;
        try {
            header = Json.parseObject(text);
        } catch (JsonException e) {
            throw new CheckpointFormatException(file, "the header is not valid JSON: " + e.getMessage());
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            if (e.getKey().equals(METADATA)) metadata = metadata(file, e.getValue());
            else entries.add(entry(file, e.getKey(), e.getValue()));
        }
        long dataSize = size - 8 - n;
        checkTiling(file, entries, dataSize);

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        long base = 8 + n;
        for (Entry e : entries) {
            MemorySegment data = whole.asSlice(base + e.begin, e.end - e.begin);
            if (data.address() % e.dtype.bytes() != 0) {
                // a header length that is not a multiple of 8 leaves the data unaligned; kernels need aligned memory
                MemorySegment copy = arena.allocate(Math.max(1, data.byteSize()), 64);
                copy.copyFrom(data);
                data = copy;
            }
            tensors.put(e.name, new Tensor(e.dtype, e.shape, data));
        }
        return new Checkpoint(tensors, metadata);
    }

    private static Map<String, String> metadata(Path file, Object v) throws CheckpointFormatException {
        if (!(v instanceof Map<?, ?> m)) throw new CheckpointFormatException(file, METADATA + " is " + Json.typeName(v) + ", expected an object of strings");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s))
                throw new CheckpointFormatException(file, METADATA + " entry \"" + e.getKey() + "\" is " + Json.typeName(e.getValue()) + ", expected a string");
            out.put((String) e.getKey(), s);
        }
        return out;
    }

    private static Entry entry(Path file, String name, Object v) throws CheckpointFormatException {
        String where = "tensor `" + name + "`";
        if (!(v instanceof Map<?, ?> m)) throw new CheckpointFormatException(file, where + " is " + Json.typeName(v) + ", expected an object");
        for (Object k : m.keySet())
            if (!List.of("dtype", "shape", "data_offsets").contains(k)) throw new CheckpointFormatException(file, where + " has an unknown field \"" + k + "\"");
        if (!(m.get("dtype") instanceof String dtypeName)) throw new CheckpointFormatException(file, where + " has no string \"dtype\"");
        DType dtype = fromFormatName(dtypeName);
        if (dtype == null) {
            String kind = FORMAT_DTYPES.contains(dtypeName) ? "unsupported" : "unknown";
            throw new CheckpointFormatException(file, where + " has " + kind + " dtype \"" + dtypeName + "\" (Strata reads F32, BF16, F16, I32, I64 and BOOL)");
        }
        long[] shape = longs(file, where, "shape", m.get("shape"), -1);
        long[] offsets = longs(file, where, "data_offsets", m.get("data_offsets"), 2);
        if (offsets[1] < offsets[0]) throw new CheckpointFormatException(file, where + " has data_offsets " + Arrays.toString(offsets) + " that end before they begin");
        long need;
        try {
            need = Math.multiplyExact(Tensor.numel(shape), dtype.bytes());
        } catch (ArithmeticException e) {
            throw new CheckpointFormatException(file, where + " has a shape " + Arrays.toString(shape) + " too large to address");
        }
        if (offsets[1] - offsets[0] != need)
            throw new CheckpointFormatException(file, where + " has data_offsets " + Arrays.toString(offsets) + " spanning " + (offsets[1] - offsets[0])
                    + " bytes, but " + dtypeName + Arrays.toString(shape) + " needs " + need);
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] longs(Path file, String where, String field, Object v, int length) throws CheckpointFormatException {
        if (!(v instanceof List<?> l)) throw new CheckpointFormatException(file, where + " has no array \"" + field + "\"");
        if (length >= 0 && l.size() != length) throw new CheckpointFormatException(file, where + " has \"" + field + "\" of " + l.size() + " numbers, expected " + length);
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Long x) || x < 0)
                throw new CheckpointFormatException(file, where + " has \"" + field + "\" holding " + l.get(i) + ", expected non-negative integers");
            out[i] = x;
        }
        return out;
    }

    /** The tensors, sorted by where they begin, must cover [0, dataSize) exactly once. */
    private static void checkTiling(Path file, List<Entry> entries, long dataSize) throws CheckpointFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        Entry prev = null;
        for (Entry e : sorted) {
            if (e.end > dataSize)
                throw new CheckpointFormatException(file, "tensor `" + e.name + "` has data_offsets [" + e.begin + ", " + e.end + "] past the end of the data (" + dataSize + " bytes)");
            if (e.begin < at)
                throw new CheckpointFormatException(file, "tensors `" + prev.name + "` [" + prev.begin + ", " + prev.end + "] and `" + e.name + "` [" + e.begin + ", " + e.end + "] overlap");
            if (e.begin > at) throw new CheckpointFormatException(file, "data bytes [" + at + ", " + e.begin + ") belong to no tensor");
            at = e.end;
            if (e.end > e.begin || prev == null) prev = e;
        }
        if (at < dataSize) throw new CheckpointFormatException(file, (dataSize - at) + " bytes of trailing data follow the last tensor (which ends at " + at + ")");
    }
}
