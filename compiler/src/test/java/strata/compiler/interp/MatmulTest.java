package strata.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static strata.compiler.interp.SingleOp.attrs;
import static strata.compiler.interp.SingleOp.randn;
import static strata.compiler.interp.SingleOp.run;
import static strata.compiler.interp.SingleOp.shape;

import java.util.Random;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.OpKind;

class MatmulTest {
    @Test
    void twoByTwoProductByHand() {
        RefTensor a = RefTensor.of(shape(2, 2), 1, 2, 3, 4), b = RefTensor.of(shape(2, 2), 5, 6, 7, 8);
        assertArrayEquals(new double[] {19, 22, 43, 50}, run(OpKind.MATMUL, attrs(), a, b).toArray());
        assertArrayEquals(new double[] {26, 30, 38, 44}, run(OpKind.MATMUL, attrs("transpose_a", true), a, b).toArray());
        assertArrayEquals(new double[] {17, 23, 39, 53}, run(OpKind.MATMUL, attrs("transpose_b", true), a, b).toArray());
    }

    /**
     * Each batch axis of each operand is either the shared extent or 1, and a may lack the leading
     * batch axis, so that every broadcast direction occurs; M, K and N range over odd sizes too.
     */
    @Test
    void batchedMatmulEqualsANaiveTripleLoopWithTransposesAndBroadcastBatches() {
        qt().forAll(integers().between(1, 7), integers().between(1, 7), integers().between(1, 7), longs().all())
                .checkAssert((m, k, n, seed) -> {
                    Random rnd = new Random(seed);
                    boolean ta = rnd.nextBoolean(), tb = rnd.nextBoolean();
                    long b0 = 1 + rnd.nextInt(3), b1 = 1 + rnd.nextInt(3);
                    long a0 = rnd.nextBoolean() ? b0 : 1, a1 = rnd.nextBoolean() ? b1 : 1;
                    long c0 = rnd.nextBoolean() ? b0 : 1, c1 = rnd.nextBoolean() ? b1 : 1;
                    boolean aRank3 = rnd.nextBoolean(); // a drops its leading batch axis: broadcast by rank
                    long[] sa = aRank3 ? shape(a1, ta ? k : m, ta ? m : k) : shape(a0, a1, ta ? k : m, ta ? m : k);
                    long[] sb = shape(c0, c1, tb ? n : k, tb ? k : n);
                    RefTensor a = randn(rnd, sa), b = randn(rnd, sb);
                    RefTensor got = run(OpKind.MATMUL, attrs("transpose_a", ta, "transpose_b", tb), a, b);
                    long o0 = Math.max(aRank3 ? 1 : a0, c0), o1 = Math.max(a1, c1);
                    double[] want = new double[(int) (o0 * o1 * m * n)];
                    int p = 0;
                    for (long i0 = 0; i0 < o0; i0++)
                        for (long i1 = 0; i1 < o1; i1++)
                            for (long i = 0; i < m; i++)
                                for (long j = 0; j < n; j++) {
                                    double s = 0;
                                    for (long q = 0; q < k; q++) {
                                        long ai1 = a1 == 1 ? 0 : i1, ai0 = a0 == 1 ? 0 : i0;
                                        double x = aRank3 ? (ta ? a.get(ai1, q, i) : a.get(ai1, i, q)) : (ta ? a.get(ai0, ai1, q, i) : a.get(ai0, ai1, i, q));
                                        long bi0 = c0 == 1 ? 0 : i0, bi1 = c1 == 1 ? 0 : i1;
                                        double y = tb ? b.get(bi0, bi1, j, q) : b.get(bi0, bi1, q, j);
                                        s += x * y;
                                    }
                                    want[p++] = s;
                                }
                    RefTensor expected = RefTensor.of(shape(o0, o1, m, n), want);
                    assertTrue(got.equalsWithin(expected, 1e-12, 1e-12), () -> got + " vs " + expected);
                });
    }
}
