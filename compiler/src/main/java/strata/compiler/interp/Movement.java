package strata.compiler.interp;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.Op;

/**
 * Ops that move elements without arithmetic (scatter_add aside, which adds): reshape, permute,
 * broadcast, slice, concat, pad, gather and scatter_add. Most view the tensor as
 * {@code [outer, axis, inner]} around the axis they act on.
 */
final class Movement {
    private Movement() {}

    static RefTensor reshape(RefTensor x, long[] shape) { return x.reshape(shape); }

    /** Result axis i is operand axis perm[i]. */
    static RefTensor permute(Op op, RefTensor x) {
        List<Long> perm = op.intsAttr("perm");
        long[] in = x.shape();
        int rank = in.length;
        int[] inStrides = Layout.strides(in);
        long[] out = new long[rank];
        int[] step = new int[rank];
        for (int i = 0; i < rank; i++) {
            int a = Layout.axis(perm.get(i), rank);
            out[i] = in[a];
            step[i] = inStrides[a];
        }
        double[] src = x.raw(), r = new double[src.length];
        int[] idx = new int[rank];
        int from = 0;
        for (int p = 0; p < r.length; p++) {
            r[p] = src[from];
            for (int a = rank - 1; a >= 0; a--) {
                if (++idx[a] < out[a]) { from += step[a]; break; }
                from -= step[a] * (idx[a] - 1);
                idx[a] = 0;
            }
        }
        return RefTensor.wrap(x.dtype(), out, r);
    }

    static RefTensor broadcast(RefTensor x, long[] shape) {
        int[] map = Layout.broadcastMap(shape, x.shape());
        double[] r = new double[map.length];
        for (int i = 0; i < r.length; i++) r[i] = x.at(map[i]);
        return RefTensor.wrap(x.dtype(), shape.clone(), r);
    }

    /** Elements start, start + step, ... below end along an axis; the bounds may be symbolic. */
    static RefTensor slice(Op op, RefTensor x, Map<String, Long> symbols) {
        long[] s = x.shape();
        int axis = Layout.axis(op.intAttr("axis"), s.length);
        long start = op.dimAttr("start").eval(symbols), end = op.dimAttr("end").eval(symbols), step = op.intAttr("step", 1);
        if (start < 0 || end > s[axis] || end < start || step <= 0)
            throw new IllegalArgumentException("slice [" + start + ":" + end + ":" + step + "] does not fit axis " + axis + " of extent " + s[axis]);
        int len = (int) ((end - start + step - 1) / step);
        int outer = Layout.extent(s, 0, axis), inner = Layout.extent(s, axis + 1, s.length), n = (int) s[axis];
        long[] shape = s.clone();
        shape[axis] = len;
        double[] r = new double[outer * len * inner];
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < len; j++)
                System.arraycopy(x.raw(), (o * n + (int) (start + j * step)) * inner, r, (o * len + j) * inner, inner);
        return RefTensor.wrap(x.dtype(), shape, r);
    }

    static RefTensor concat(Op op, List<RefTensor> xs) {
        long[] s = xs.getFirst().shape();
        int axis = Layout.axis(op.intAttr("axis"), s.length);
        int outer = Layout.extent(s, 0, axis), inner = Layout.extent(s, axis + 1, s.length);
        long total = 0;
        for (RefTensor t : xs) total += t.dim(axis);
        long[] shape = s.clone();
        shape[axis] = total;
        double[] r = new double[Layout.size(shape)];
        int offset = 0;
        for (RefTensor t : xs) {
            int n = (int) t.dim(axis);
            for (int o = 0; o < outer; o++)
                System.arraycopy(t.raw(), o * n * inner, r, (o * (int) total + offset) * inner, n * inner);
            offset += n;
        }
        return RefTensor.wrap(xs.getFirst().dtype(), shape, r);
    }

    /** {@code before} and {@code after} elements of {@code value} (default 0) around an axis. */
    static RefTensor pad(Op op, RefTensor x) {
        long[] s = x.shape();
        int axis = Layout.axis(op.intAttr("axis"), s.length);
        int before = (int) op.intAttr("before"), after = (int) op.intAttr("after");
        double value = op.floatAttr("value", 0.0);
        int outer = Layout.extent(s, 0, axis), inner = Layout.extent(s, axis + 1, s.length), n = (int) s[axis];
        int m = n + before + after;
        long[] shape = s.clone();
        shape[axis] = m;
        double[] r = new double[outer * m * inner];
        Arrays.fill(r, value);
        for (int o = 0; o < outer; o++) System.arraycopy(x.raw(), o * n * inner, r, (o * m + before) * inner, n * inner);
        return RefTensor.wrap(x.dtype(), shape, r);
    }

    /** result[pre, j..., post] = table[pre, indices[j...], post]. */
    static RefTensor gather(Op op, RefTensor table, RefTensor indices) {
        long[] s = table.shape();
        int axis = Layout.axis(op.intAttr("axis"), s.length);
        int outer = Layout.extent(s, 0, axis), inner = Layout.extent(s, axis + 1, s.length), n = (int) s[axis];
        int count = indices.size();
        double[] r = new double[outer * count * inner];
        for (int j = 0; j < count; j++) {
            int i = index(op, indices, j, n);
            for (int o = 0; o < outer; o++) System.arraycopy(table.raw(), (o * n + i) * inner, r, (o * count + j) * inner, inner);
        }
        return RefTensor.wrap(table.dtype(), gatheredShape(s, axis, indices.shape()), r);
    }

    /** The transpose of gather: base plus each update added at the row its index names (repeats accumulate). */
    static RefTensor scatterAdd(Op op, RefTensor base, RefTensor indices, RefTensor updates) {
        long[] s = base.shape();
        int axis = Layout.axis(op.intAttr("axis"), s.length);
        int outer = Layout.extent(s, 0, axis), inner = Layout.extent(s, axis + 1, s.length), n = (int) s[axis];
        int count = indices.size();
        long[] expected = gatheredShape(s, axis, indices.shape());
        if (!Arrays.equals(expected, updates.shape()))
            throw new IllegalArgumentException("scatter_add updates have shape " + Arrays.toString(updates.shape()) + ", expected " + Arrays.toString(expected));
        double[] r = base.toArray(), u = updates.raw();
        for (int j = 0; j < count; j++) {
            int i = index(op, indices, j, n);
            for (int o = 0; o < outer; o++)
                for (int c = 0; c < inner; c++) r[(o * n + i) * inner + c] += u[(o * count + j) * inner + c];
        }
        return RefTensor.wrap(base.dtype(), s, r);
    }

    private static long[] gatheredShape(long[] table, int axis, long[] indices) {
        long[] out = new long[table.length - 1 + indices.length];
        System.arraycopy(table, 0, out, 0, axis);
        System.arraycopy(indices, 0, out, axis, indices.length);
        System.arraycopy(table, axis + 1, out, axis + indices.length, table.length - axis - 1);
        return out;
    }

    private static int index(Op op, RefTensor indices, int j, int n) {
        long i = (long) indices.at(j);
        if (i < 0 || i >= n)
            throw new IndexOutOfBoundsException(op.kind().mnemonic() + ": index " + i + " at position " + j + " is outside [0, " + n + ")");
        return (int) i;
    }
}
