package strata.testkit;

import strata.compiler.graph.DType;
import strata.compiler.interp.RefTensor;

/** Mask data written by hand, one argument per sample: {@code lengths(3, 5)} is {@code i32[2]}. */
public final class MaskInputs {
    private MaskInputs() {}

    /** One integer per sample (a length, a prefix): {@code i32[B]}. */
    public static RefTensor lengths(long... perSample) {
        double[] v = new double[perSample.length];
        for (int i = 0; i < v.length; i++) v[i] = perSample[i];
        return RefTensor.of(DType.I32, new long[] {v.length}, v);
    }

    /** One integer per token of each sample (segment ids, ranks, anchors): {@code i32[B, T]}. */
    public static RefTensor perToken(long[]... perSample) {
        int t = perSample[0].length;
        double[] v = new double[perSample.length * t];
        for (int s = 0; s < perSample.length; s++)
            for (int i = 0; i < t; i++) v[s * t + i] = perSample[s][i];
        return RefTensor.of(DType.I32, new long[] {perSample.length, t}, v);
    }

    /** A visible matrix per sample: {@code bool[B, T, T]}. */
    public static RefTensor visible(boolean[][]... perSample) {
        int t = perSample[0].length;
        double[] v = new double[perSample.length * t * t];
        for (int s = 0; s < perSample.length; s++)
            for (int q = 0; q < t; q++)
                for (int k = 0; k < t; k++) v[(s * t + q) * t + k] = perSample[s][q][k] ? 1 : 0;
        return RefTensor.of(DType.BOOL, new long[] {perSample.length, t, t}, v);
    }
}
