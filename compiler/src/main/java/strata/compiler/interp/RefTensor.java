package strata.compiler.interp;

import java.util.Arrays;
import strata.compiler.graph.DType;

/**
 * An immutable dense tensor of the reference interpreter: an element type, a shape and the
 * elements in row-major order, all held as doubles (integers exactly up to 2^53, bools as 0/1).
 * The interpreter computes in double whatever the element type; only {@code cast} rounds to a
 * narrower float.
 */
public final class RefTensor {
    private final DType dtype;
    private final long[] shape;
    private final double[] data;

    private RefTensor(DType dtype, long[] shape, double[] data) {
        this.dtype = dtype;
        this.shape = shape;
        this.data = data;
    }

    /** A tensor of the given shape whose row-major elements are {@code values}. */
    public static RefTensor of(DType dtype, long[] shape, double... values) {
        long[] s = shape.clone();
        long n = numel(s);
        if (n != values.length)
            throw new IllegalArgumentException("shape " + Arrays.toString(s) + " holds " + n + " elements, got " + values.length);
        return new RefTensor(dtype, s, values.clone());
    }

    /** A float tensor of the given shape. */
    public static RefTensor of(long[] shape, double... values) { return of(DType.F32, shape, values); }

    public static RefTensor zeros(DType dtype, long... shape) { return full(dtype, 0.0, shape); }

    public static RefTensor full(DType dtype, double value, long... shape) {
        double[] d = new double[checkedSize(shape)];
        Arrays.fill(d, value);
        return new RefTensor(dtype, shape.clone(), d);
    }

    public static RefTensor scalar(DType dtype, double value) { return new RefTensor(dtype, new long[0], new double[] {value}); }

    /** A rank-1 float tensor. */
    public static RefTensor vector(double... values) { return of(DType.F32, new long[] {values.length}, values); }

    /** Wraps an array the caller has just built and will not touch again. */
    static RefTensor wrap(DType dtype, long[] shape, double[] data) {
        if (numel(shape) != data.length) throw new IllegalStateException("shape " + Arrays.toString(shape) + " vs " + data.length + " elements");
        return new RefTensor(dtype, shape, data);
    }

    public DType dtype() { return dtype; }

    public long[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    public long dim(int axis) { return shape[axis < 0 ? axis + shape.length : axis]; }

    public int size() { return data.length; }

    /** The element at a multi-index (one index per axis). */
    public double get(long... index) {
        if (index.length != shape.length)
            throw new IllegalArgumentException("index of rank " + index.length + " into a tensor of rank " + shape.length);
        long flat = 0;
        for (int i = 0; i < shape.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i])
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " is outside shape " + Arrays.toString(shape));
            flat = flat * shape[i] + index[i];
        }
        return data[(int) flat];
    }

    /** The element at a row-major position. */
    public double at(int flat) { return data[flat]; }

    /** The only element of a tensor with one element (a scalar, or any shape of size 1). */
    public double item() {
        if (data.length != 1) throw new IllegalStateException("item() of a tensor with " + data.length + " elements");
        return data[0];
    }

    /** A copy of the elements, row-major. */
    public double[] toArray() { return data.clone(); }

    /** The array itself, for the interpreter's kernels, which never write to it. */
    double[] raw() { return data; }

    public RefTensor reshape(long... newShape) {
        if (numel(newShape) != data.length)
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        return new RefTensor(dtype, newShape.clone(), data);
    }

    /** The same elements under another element type, without conversion (use the interpreter's cast to round). */
    public RefTensor withDtype(DType d) { return new RefTensor(d, shape, data); }

    /**
     * Whether the shapes are equal and every pair of elements satisfies
     * {@code |a - b| <= atol + rtol * |b|} (numpy's allclose, with {@code other} as the reference).
     * NaNs are equal to NaNs, infinities to infinities of the same sign.
     */
    public boolean equalsWithin(RefTensor other, double atol, double rtol) {
        if (!Arrays.equals(shape, other.shape)) return false;
        for (int i = 0; i < data.length; i++) {
            double a = data[i], b = other.data[i];
            if (Double.isNaN(a) || Double.isNaN(b)) {
                if (Double.isNaN(a) != Double.isNaN(b)) return false;
            } else if (Double.isInfinite(a) || Double.isInfinite(b)) {
                if (a != b) return false;
            } else if (Math.abs(a - b) > atol + rtol * Math.abs(b)) return false;
        }
        return true;
    }

    /** The largest absolute elementwise difference; shapes must match. */
    public double maxAbsDiff(RefTensor other) {
        if (!Arrays.equals(shape, other.shape))
            throw new IllegalArgumentException("shapes differ: " + Arrays.toString(shape) + " vs " + Arrays.toString(other.shape));
        double m = 0;
        for (int i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i] - other.data[i]));
        return m;
    }

    @Override public boolean equals(Object o) {
        return o instanceof RefTensor t && t.dtype == dtype && Arrays.equals(t.shape, shape) && Arrays.equals(t.data, data);
    }

    @Override public int hashCode() { return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data); }

    /** {@code f32[2, 2] [[1.0, 2.0], [3.0, 4.0]]}; elements past the first 64 are elided. */
    @Override public String toString() {
        StringBuilder sb = new StringBuilder(dtype.mnemonic()).append('[');
        for (int i = 0; i < shape.length; i++) sb.append(i > 0 ? ", " : "").append(shape[i]);
        sb.append("] ");
        int[] printed = {0};
        nest(sb, 0, 0, printed);
        return sb.toString();
    }

    private void nest(StringBuilder sb, int axis, int offset, int[] printed) {
        if (axis == shape.length) {
            sb.append(printed[0]++ < 64 ? element(data[offset]) : "...");
            return;
        }
        int stride = 1;
        for (int i = axis + 1; i < shape.length; i++) stride *= (int) shape[i];
        sb.append('[');
        for (int i = 0; i < shape[axis]; i++) {
            if (printed[0] > 64) { sb.append("..."); break; }
            if (i > 0) sb.append(", ");
            nest(sb, axis + 1, offset + i * stride, printed);
        }
        sb.append(']');
    }

    private String element(double v) {
        if (dtype == DType.BOOL) return v != 0 ? "true" : "false";
        if (dtype.isInteger()) return Long.toString((long) v);
        return Double.toString(v);
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    static int checkedSize(long[] shape) {
        long n = numel(shape);
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor of " + n + " elements is too large for the reference interpreter");
        return (int) n;
    }
}
