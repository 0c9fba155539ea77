package strata.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static strata.compiler.interp.SingleOp.attrs;
import static strata.compiler.interp.SingleOp.ints;
import static strata.compiler.interp.SingleOp.randn;
import static strata.compiler.interp.SingleOp.run;
import static strata.compiler.interp.SingleOp.shape;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.DType;
import strata.compiler.graph.OpKind;

class ReductionTest {
    private static final RefTensor M = RefTensor.of(shape(2, 3), 1, 5, 3, 4, 2, 6);

    @Test
    void sumMaxAndArgmaxReduceTheNamedAxes() {
        RefTensor rows = run(OpKind.SUM, attrs("axes", new long[] {1}), M);
        assertArrayEquals(new long[] {2}, rows.shape());
        assertArrayEquals(new double[] {9, 12}, rows.toArray());
        RefTensor cols = run(OpKind.SUM, attrs("axes", new long[] {0}, "keepdims", true), M);
        assertArrayEquals(new long[] {1, 3}, cols.shape());
        assertArrayEquals(new double[] {5, 7, 9}, cols.toArray());
        RefTensor all = run(OpKind.SUM, attrs("axes", new long[] {0, -1}), M);
        assertEquals(0, all.rank());
        assertEquals(21.0, all.item());
        assertArrayEquals(new double[] {5, 6}, run(OpKind.REDUCE_MAX, attrs("axes", new long[] {1}), M).toArray());
        RefTensor arg = run(OpKind.ARGMAX, attrs("axes", new long[] {0}), M);
        assertEquals(DType.I64, arg.dtype());
        assertArrayEquals(new double[] {1, 0, 1}, arg.toArray());
    }

    @Test
    void argmaxPicksTheFirstOfEqualMaxima() {
        RefTensor x = RefTensor.vector(1, 7, 3, 7);
        assertEquals(1.0, run(OpKind.ARGMAX, attrs("axes", new long[] {0}), x).item());
    }

    @Test
    void softmaxOfOneTwoThreeMatchesHandComputedValues() {
        // e^k / (e + e^2 + e^3) for k = 1, 2, 3
        double z = Math.E + Math.exp(2) + Math.exp(3);
        RefTensor s = run(OpKind.SOFTMAX, attrs("axis", 0), RefTensor.vector(1, 2, 3));
        assertArrayEquals(new double[] {Math.E / z, Math.exp(2) / z, Math.exp(3) / z}, s.toArray(), 2.3e-16);
        assertArrayEquals(new double[] {0.09003057317038046, 0.24472847105479767, 0.6652409557748219}, s.toArray(), 2.3e-16);
    }

    @Test
    void softmaxIsShiftInvariantAndDoesNotOverflow() {
        RefTensor s = run(OpKind.SOFTMAX, attrs("axis", 0), RefTensor.vector(1001, 1002, 1003));
        assertArrayEquals(run(OpKind.SOFTMAX, attrs("axis", 0), RefTensor.vector(1, 2, 3)).toArray(), s.toArray(), 1e-15);
    }

    @Test
    void softmaxRowsSumToOneAlongAnyAxis() {
        qt().forAll(integers().between(1, 4), integers().between(1, 5), integers().between(0, 2), longs().all()).checkAssert((a, c, axis, seed) -> {
            RefTensor x = randn(new Random(seed), a, 3, c);
            RefTensor s = run(OpKind.SOFTMAX, attrs("axis", axis), x);
            RefTensor sums = run(OpKind.SUM, attrs("axes", new long[] {axis}), s);
            for (double v : sums.toArray()) assertEquals(1.0, v, 1e-14);
        });
    }

    @Test
    void layerNormRowsHaveMeanZeroAndVarianceOne() {
        qt().forAll(integers().between(1, 6), integers().between(2, 33), longs().all()).checkAssert((rows, d, seed) -> {
            Random rnd = new Random(seed);
            RefTensor x = randn(rnd, rows, d);
            double[] shifted = x.toArray();
            for (int i = 0; i < shifted.length; i++) shifted[i] = 3 * shifted[i] + 10;
            RefTensor y = run(OpKind.LAYER_NORM, attrs("eps", 0.0), RefTensor.of(shape(rows, d), shifted));
            for (int r = 0; r < rows; r++) {
                // rounding in (x - mean) / std grows as |mean| / std of the input row: a row of two
                // nearly equal values is ill-conditioned, so the tolerance scales with it
                double inMean = 0, inVar = 0;
                for (int j = 0; j < d; j++) inMean += shifted[r * d + j] / d;
                for (int j = 0; j < d; j++) inVar += (shifted[r * d + j] - inMean) * (shifted[r * d + j] - inMean) / d;
                double tol = 1e-13 * Math.max(10, Math.abs(inMean) / Math.sqrt(inVar));
                double mean = 0, sq = 0;
                for (int j = 0; j < d; j++) mean += y.get(r, j) / d;
                for (int j = 0; j < d; j++) sq += (y.get(r, j) - mean) * (y.get(r, j) - mean) / d;
                assertEquals(0.0, mean, tol);
                assertEquals(1.0, sq, tol);
            }
        });
    }

    @Test
    void layerNormAppliesGainThenBias() {
        // x = [1, 3]: mean 2, biased variance 1, so the normalized row is [-1, 1]
        RefTensor y = run(OpKind.LAYER_NORM, attrs("eps", 0.0), RefTensor.of(shape(1, 2), 1, 3), RefTensor.vector(2, 3), RefTensor.vector(10, 20));
        assertArrayEquals(new double[] {8, 23}, y.toArray(), 1e-15);
    }

    @Test
    void rmsNormMatchesItsClosedForm() {
        // x = [3, 4]: mean(x^2) = 12.5
        double eps = 1e-6, r = Math.sqrt(12.5 + eps);
        RefTensor y = run(OpKind.RMS_NORM, attrs("eps", eps), RefTensor.of(shape(1, 2), 3, 4), RefTensor.vector(2, 0.5));
        assertArrayEquals(new double[] {2 * 3 / r, 0.5 * 4 / r}, y.toArray(), 1e-15);
        RefTensor withBias = run(OpKind.RMS_NORM, attrs("eps", eps), RefTensor.of(shape(1, 2), 3, 4), RefTensor.vector(2, 0.5), RefTensor.vector(1, -1));
        assertArrayEquals(new double[] {2 * 3 / r + 1, 0.5 * 4 / r - 1}, withBias.toArray(), 1e-15);
    }

    @Test
    void crossEntropyIsMinusLogSoftmaxAtTheTarget() {
        qt().forAll(integers().between(1, 5), integers().between(2, 9), longs().all()).checkAssert((n, v, seed) -> {
            Random rnd = new Random(seed);
            RefTensor logits = randn(rnd, n, v);
            double[] t = new double[n];
            for (int i = 0; i < n; i++) t[i] = rnd.nextInt(v);
            RefTensor loss = run(OpKind.CROSS_ENTROPY, Map.of(), logits, ints(shape(n), t));
            RefTensor p = run(OpKind.SOFTMAX, attrs("axis", 1), logits);
            for (int i = 0; i < n; i++) assertEquals(-Math.log(p.get(i, (long) t[i])), loss.get(i), 1e-13);
        });
    }

    @Test
    void crossEntropyIsZeroWhereTheTargetIsIgnored() {
        RefTensor logits = RefTensor.of(shape(2, 3), 1, 2, 3, 1, 2, 3);
        RefTensor loss = run(OpKind.CROSS_ENTROPY, attrs("ignore_index", -100), logits, ints(shape(2), 2, -100));
        double z = Math.E + Math.exp(2) + Math.exp(3);
        assertArrayEquals(new double[] {-Math.log(Math.exp(3) / z), 0}, loss.toArray(), 1e-15);
    }
}
