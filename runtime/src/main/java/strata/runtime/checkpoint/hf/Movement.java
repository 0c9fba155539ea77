package strata.runtime.checkpoint.hf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import strata.runtime.Tensor;

/**
 * The layout changes between Hugging Face and Strata tensors: transposing a matrix, and
 * concatenating or splitting along an axis. They copy bytes and never compute, so a round trip
 * gives the same bits back. They run once per import or export, on the host, in Java.
 */
final class Movement {
    private Movement() {}

    /** A matrix's transpose, in new memory. */
    static Tensor transpose(Tensor t, Arena arena) {
        if (t.shape().length != 2) throw new IllegalArgumentException("transpose needs a matrix, got " + t);
        long rows = t.shape()[0], cols = t.shape()[1], e = t.dtype().bytes();
        Tensor out = Tensor.allocate(arena, t.dtype(), cols, rows);
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
                MemorySegment.copy(t.data(), (r * cols + c) * e, out.data(), (c * rows + r) * e, e);
        return out;
    }

    /** The parts side by side along {@code axis}; they agree on every other axis. */
    static Tensor concat(List<Tensor> parts, int axis, Arena arena) {
        Tensor first = parts.getFirst();
        long[] shape = first.shape().clone(); // the record hands out its own array
        shape[axis] = 0;
        for (Tensor p : parts) shape[axis] += p.shape()[axis];
        Tensor out = Tensor.allocate(arena, first.dtype(), shape);
        long outer = outer(shape, axis), rowBytes = out.numel() == 0 ? 0 : out.numel() / outer * first.dtype().bytes(), at = 0;
        for (Tensor p : parts) {
            long partRow = p.numel() / Math.max(1, outer) * p.dtype().bytes();
            for (long o = 0; o < outer; o++) MemorySegment.copy(p.data(), o * partRow, out.data(), o * rowBytes + at, partRow);
            at += partRow;
        }
        return out;
    }

    /** {@code n} equal parts along {@code axis} (whose size n divides), in new memory. */
    static List<Tensor> split(Tensor t, int axis, int n, Arena arena) {
        long[] shape = t.shape();
        long outer = outer(shape, axis), rowBytes = t.numel() / Math.max(1, outer) * t.dtype().bytes();
        long[] partShape = shape.clone();
        partShape[axis] = shape[axis] / n;
        List<Tensor> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Tensor p = Tensor.allocate(arena, t.dtype(), partShape);
            long partRow = rowBytes / n;
            for (long o = 0; o < outer; o++) MemorySegment.copy(t.data(), o * rowBytes + k * partRow, p.data(), o * partRow, partRow);
            out.add(p);
        }
        return out;
    }

    /** Whether two tensors have the same dtype, shape and bytes. */
    static boolean identical(Tensor a, Tensor b) {
        if (a.dtype() != b.dtype() || !Arrays.equals(a.shape(), b.shape())) return false;
        long bytes = a.numel() * a.dtype().bytes();
        return MemorySegment.mismatch(a.data(), 0, bytes, b.data(), 0, bytes) < 0;
    }

    /** The number of blocks before {@code axis}: the product of the sizes of the axes ahead of it. */
    private static long outer(long[] shape, int axis) {
        long n = 1;
        for (int i = 0; i < axis; i++) n *= shape[i];
        return n;
    }
}
