package strata.runtime.train;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.DType;
import strata.runtime.Tensor;

/**
 * The trainable parameters of a model laid out in one f32 vector, each tensor starting on a
 * 64-byte boundary, so that gradients, optimizer state and the update are each one buffer (llm.c
 * keeps its parameters the same way). {@link #view} gives a tensor's place in any vector of this
 * layout: the parameters themselves, their gradients, Adam's m and v.
 */
public final class FlatParams {
    /** Elements per alignment step: 16 floats are 64 bytes, one cache line and one zmm register. */
    static final long ALIGN = 16;

    public record Slot(String name, long[] shape, long offset, long numel) {}

    private final Map<String, Slot> slots;
    private final long size;

    public FlatParams(Map<String, long[]> shapes) {
        Map<String, Slot> out = new LinkedHashMap<>();
        long at = 0;
        for (var e : shapes.entrySet()) {
            long n = Tensor.numel(e.getValue());
            out.put(e.getKey(), new Slot(e.getKey(), e.getValue().clone(), at, n));
            at += (n + ALIGN - 1) / ALIGN * ALIGN;
        }
        this.slots = Collections.unmodifiableMap(out);
        this.size = Math.max(at, ALIGN);
    }

    /** Elements in a vector of this layout, alignment padding included. */
    public long size() { return size; }

    /** Elements that belong to some parameter. */
    public long parameterCount() { return slots.values().stream().mapToLong(Slot::numel).sum(); }

    public Map<String, Slot> slots() { return slots; }

    public List<String> names() { return new ArrayList<>(slots.keySet()); }

    /** A zero-filled vector of this layout. */
    public Tensor allocate(Arena arena) {
        Tensor t = Tensor.allocate(arena, DType.F32, size);
        t.data().fill((byte) 0);
        return t;
    }

    /** The tensor {@code name} inside a vector of this layout (shared memory, not a copy). */
    public Tensor view(Tensor flat, String name) {
        Slot s = slots.get(name);
        if (s == null) throw new IllegalArgumentException("no parameter `" + name + "`; the parameters are " + slots.keySet());
        if (flat.numel() != size) throw new IllegalArgumentException("a vector of " + flat.numel() + " elements is not of this layout (" + size + ")");
        MemorySegment seg = flat.data().asSlice(s.offset() * 4, Math.max(1, s.numel()) * 4);
        return new Tensor(DType.F32, s.shape(), seg);
    }

    /** Every parameter's view into {@code flat}, by name. */
    public Map<String, Tensor> views(Tensor flat) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String n : slots.keySet()) out.put(n, view(flat, n));
        return out;
    }
}
