package strata.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import strata.compiler.graph.DType;
import strata.compiler.interp.RefTensor;

/** A dense row-major tensor in native memory; compiled kernels read and write it in place. */
public record Tensor(DType dtype, long[] shape, MemorySegment data) {

    public Tensor {
        shape = shape.clone();
        long need = numel(shape) * dtype.bytes();
        if (data.byteSize() < need)
            throw new IllegalArgumentException("a " + dtype + Arrays.toString(shape) + " tensor needs " + need + " bytes, got " + data.byteSize());
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) n = Math.multiplyExact(n, s);
        return n;
    }

    public long numel() { return numel(shape); }

    public static Tensor allocate(Arena arena, DType dtype, long... shape) {
        return new Tensor(dtype, shape, arena.allocate(Math.max(1, numel(shape) * dtype.bytes()), 64));
    }

    /** Copies a reference tensor into native memory, rounding to the element type. */
    public static Tensor of(Arena arena, RefTensor r) {
        Tensor t = allocate(arena, r.dtype(), r.shape());
        double[] v = r.toArray();
        for (int i = 0; i < v.length; i++) t.set(i, v[i]);
        return t;
    }

    public double get(long i) {
        return switch (dtype) {
            case F32 -> data.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            case I32 -> data.getAtIndex(ValueLayout.JAVA_INT, i);
            case I64 -> data.getAtIndex(ValueLayout.JAVA_LONG, i);
            case BOOL -> data.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
            default -> throw new UnsupportedOperationException(dtype + " tensors are not supported on the CPU yet");
        };
    }

    public void set(long i, double v) {
        switch (dtype) {
            case F32 -> data.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v);
            case I32 -> data.setAtIndex(ValueLayout.JAVA_INT, i, (int) v);
            case I64 -> data.setAtIndex(ValueLayout.JAVA_LONG, i, (long) v);
            case BOOL -> data.set(ValueLayout.JAVA_BYTE, i, (byte) (v != 0 ? 1 : 0));
            default -> throw new UnsupportedOperationException(dtype + " tensors are not supported on the CPU yet");
        }
    }

    /** A copy as a reference tensor, for comparing with the interpreter. */
    public RefTensor toRef() {
        double[] v = new double[(int) numel()];
        for (int i = 0; i < v.length; i++) v[i] = get(i);
        return RefTensor.of(dtype, shape, v);
    }

    @Override public String toString() { return dtype + Arrays.toString(shape); }
}
