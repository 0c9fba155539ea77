package strata.compiler.lower;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where each intermediate buffer of a program lives in one arena. Buffers are placed in the
 * order the program makes them, each at the first gap big enough among the buffers still live
 * (first fit over a free list); a buffer is freed after its last use. An output may take the
 * place of an input that dies at the same step when the step allows it (an elementwise kernel
 * that reads and writes the same index), which is "in place" without a copy: which steps
 * allow it is decided, and checked on the kernel's IR, by {@link InPlaceWrites}; the plan only
 * takes a hint whose input dies at that step and still holds a block big enough.
 */
public final class ArenaPlan {
    /** A buffer made at step {@code def}, last read at step {@code lastUse} (def when never read). */
    public record Buffer(int id, int def, int lastUse, long bytes) {}

    /** At step {@code step}, {@code output} may reuse {@code input}'s memory if input dies there. */
    public record InPlace(int step, int input, int output) {}

    private final Map<Integer, Long> offsets;
    private final long peak;
    private final List<InPlace> taken;

    private ArenaPlan(Map<Integer, Long> offsets, long peak, List<InPlace> taken) {
        this.offsets = offsets;
        this.peak = peak;
        this.taken = taken;
    }

    /** Alignment of every buffer, for vector loads (a cache line). */
    public static final long ALIGN = 64;

    public long offset(int buffer) {
        Long o = offsets.get(buffer);
        if (o == null) throw new IllegalArgumentException("buffer " + buffer + " is not in the plan");
        return o;
    }

    /** Bytes the arena needs. */
    public long peakBytes() { return peak; }

    /** The in-place reuses the plan made. */
    public List<InPlace> inPlace() { return taken; }

    public static ArenaPlan plan(List<Buffer> buffers, List<InPlace> hints) {
        Map<Integer, Buffer> byId = new HashMap<>();
        for (Buffer b : buffers) byId.put(b.id(), b);
        List<Buffer> order = new ArrayList<>(buffers);
        order.sort(Comparator.comparingInt(Buffer::def).thenComparingInt(Buffer::id));
        TreeMap<Long, Long> live = new TreeMap<>();       // offset -> size of each live block
        Map<Long, Integer> owner = new HashMap<>();        // offset -> the buffer that holds the block now
        Map<Integer, Long> offsets = new HashMap<>();
        List<InPlace> taken = new ArrayList<>();
        long peak = 0;
        int lastStep = buffers.stream().mapToInt(Buffer::lastUse).max().orElse(-1);
        int i = 0;
        for (int step = 0; step <= lastStep; step++) {
            for (; i < order.size() && order.get(i).def() == step; i++) {
                Buffer b = order.get(i);
                long size = align(b.bytes());
                Long at = null;
                for (InPlace h : hints) {
                    if (h.step() != step || h.output() != b.id() || !byId.containsKey(h.input())) continue;
                    Buffer in = byId.get(h.input());
                    Long inAt = offsets.get(in.id());
                    // legal only when the input dies here, still holds its block, and the block is big enough
                    if (in.lastUse() != step || inAt == null || !Integer.valueOf(in.id()).equals(owner.get(inAt)) || live.get(inAt) < size) continue;
                    at = inAt;
                    taken.add(h);
                    break;
                }
                if (at == null) {
                    at = firstFit(live, size);
                    live.put(at, size);
                }
                owner.put(at, b.id());
                offsets.put(b.id(), at);
                peak = Math.max(peak, at + size);
            }
            // free the blocks whose holder is read for the last time at this step
            for (var it = owner.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (byId.get(e.getValue()).lastUse() <= step) {
                    live.remove(e.getKey());
                    it.remove();
                }
            }
        }
        return new ArenaPlan(offsets, peak, taken);
    }

    private static long firstFit(TreeMap<Long, Long> live, long size) {
        long candidate = 0;
        for (var e : live.entrySet()) {
            if (e.getKey() - candidate >= size) return candidate;
            candidate = Math.max(candidate, e.getKey() + e.getValue());
        }
        return candidate;
    }

    /** A block's size: bytes rounded up to {@link #ALIGN}. */
    public static long align(long bytes) { return Math.max(ALIGN, (bytes + ALIGN - 1) / ALIGN * ALIGN); }
}
