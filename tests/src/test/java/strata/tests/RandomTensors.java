package strata.tests;

import java.util.Random;
import strata.compiler.graph.DType;
import strata.compiler.interp.RefTensor;

/** Random reference tensors for tests: f32 values (rounded to float) and integer data. */
public final class RandomTensors {
    private RandomTensors() {}

    /** Normal values times {@code scale}, rounded to f32 so that compiled code sees the same numbers. */
    public static RefTensor gaussian(Random r, double scale, long... shape) {
        double[] v = new double[count(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * scale);
        return RefTensor.of(DType.F32, shape, v);
    }

    /** i32 values in [lo, hi). */
    public static RefTensor ints(Random r, long lo, long hi, long... shape) {
        double[] v = new double[count(shape)];
        for (int i = 0; i < v.length; i++) v[i] = lo + r.nextLong(Math.max(1, hi - lo));
        return RefTensor.of(DType.I32, shape, v);
    }

    private static int count(long[] shape) {
        int n = 1;
        for (long s : shape) n = Math.multiplyExact(n, (int) s);
        return n;
    }
}
