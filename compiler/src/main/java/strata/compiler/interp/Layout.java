package strata.compiler.interp;

/** Row-major index arithmetic shared by the interpreter's kernels. */
final class Layout {
    private Layout() {}

    /** Row-major strides, in elements. */
    static int[] strides(long[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= (int) shape[i];
        }
        return s;
    }

    static int size(long[] shape) { return RefTensor.checkedSize(shape); }

    /**
     * For each row-major position of {@code out}, the position of {@code in} that numpy broadcasting
     * reads: shapes align on the right and an axis of extent 1 in {@code in} repeats.
     */
    static int[] broadcastMap(long[] out, long[] in) {
        if (in.length > out.length) throw new IllegalArgumentException("cannot broadcast rank " + in.length + " to rank " + out.length);
        int[] inStrides = strides(in);
        int[] step = new int[out.length];
        int shift = out.length - in.length;
        for (int i = 0; i < in.length; i++) {
            if (in[i] == out[i + shift]) step[i + shift] = inStrides[i];
            else if (in[i] != 1)
                throw new IllegalArgumentException("cannot broadcast " + java.util.Arrays.toString(in) + " to " + java.util.Arrays.toString(out));
        }
        int n = size(out);
        int[] map = new int[n];
        int[] idx = new int[out.length];
        int src = 0;
        for (int p = 0; p < n; p++) {
            map[p] = src;
            for (int a = out.length - 1; a >= 0; a--) {
                if (++idx[a] < out[a]) { src += step[a]; break; }
                src -= step[a] * (idx[a] - 1);
                idx[a] = 0;
            }
        }
        return map;
    }

    /** The numpy broadcast of two concrete shapes. */
    static long[] broadcastShape(long[] a, long[] b) {
        int n = Math.max(a.length, b.length);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            int ia = a.length - n + i, ib = b.length - n + i;
            long da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException("shapes " + java.util.Arrays.toString(a) + " and " + java.util.Arrays.toString(b) + " do not broadcast");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Product of the extents of axes [from, to). */
    static int extent(long[] shape, int from, int to) {
        long n = 1;
        for (int i = from; i < to; i++) n *= shape[i];
        return (int) n;
    }

    static int axis(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new IllegalArgumentException("axis " + axis + " is out of range for rank " + rank);
        return (int) a;
    }
}
