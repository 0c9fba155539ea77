package strata.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static strata.compiler.interp.SingleOp.attrs;
import static strata.compiler.interp.SingleOp.ints;
import static strata.compiler.interp.SingleOp.randn;
import static strata.compiler.interp.SingleOp.run;
import static strata.compiler.interp.SingleOp.shape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;

class MovementTest {
    private static final RefTensor M = RefTensor.of(shape(2, 3), 1, 2, 3, 4, 5, 6);

    @Test
    void reshapeKeepsTheRowMajorOrder() {
        RefTensor r = run(OpKind.RESHAPE, Map.of(), TensorType.of(DType.F32, 3, 2), M);
        assertArrayEquals(new long[] {3, 2}, r.shape());
        assertEquals(4.0, r.get(1, 1));
        assertArrayEquals(M.toArray(), r.toArray());
    }

    @Test
    void permuteTransposesAMatrix() {
        RefTensor t = run(OpKind.PERMUTE, attrs("perm", new long[] {1, 0}), M);
        assertArrayEquals(new long[] {3, 2}, t.shape());
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, t.toArray());
    }

    @Test
    void permuteThenInversePermuteIsTheIdentity() {
        qt().forAll(integers().between(1, 4), longs().all()).checkAssert((rank, seed) -> {
            Random rnd = new Random(seed);
            long[] s = new long[rank];
            for (int i = 0; i < rank; i++) s[i] = 1 + rnd.nextInt(4);
            List<Long> perm = new ArrayList<>();
            for (long i = 0; i < rank; i++) perm.add(i);
            Collections.shuffle(perm, rnd);
            long[] p = perm.stream().mapToLong(Long::longValue).toArray(), inverse = new long[rank];
            for (int i = 0; i < rank; i++) inverse[(int) p[i]] = i;
            RefTensor x = randn(rnd, s);
            RefTensor y = run(OpKind.PERMUTE, attrs("perm", p), x);
            for (int i = 0; i < rank; i++) assertEquals(s[(int) p[i]], y.dim(i));
            assertEquals(x, run(OpKind.PERMUTE, attrs("perm", inverse), y));
        });
    }

    @Test
    void broadcastRepeatsAxesOfExtentOne() {
        RefTensor r = run(OpKind.BROADCAST, Map.of(), TensorType.of(DType.F32, 2, 2, 3), RefTensor.of(shape(2, 1), 7, 8));
        assertArrayEquals(new double[] {7, 7, 7, 8, 8, 8, 7, 7, 7, 8, 8, 8}, r.toArray());
    }

    @Test
    void sliceTakesStartToEndByStep() {
        RefTensor s = run(OpKind.SLICE, attrs("axis", 1, "start", 0, "end", 3, "step", 2), M);
        assertArrayEquals(new double[] {1, 3, 4, 6}, s.toArray());
        RefTensor row = run(OpKind.SLICE, attrs("axis", 0, "start", 1, "end", 2), M);
        assertArrayEquals(new long[] {1, 3}, row.shape());
        assertArrayEquals(new double[] {4, 5, 6}, row.toArray());
    }

    @Test
    void sliceBoundsMayBeSymbolic() {
        // the last position of a sequence: x[T - 1 : T]
        GraphBuilder b = new GraphBuilder("last");
        Dim t = Dim.sym("T");
        Value x = b.input("x", new TensorType(DType.F32, List.of(t, Dim.of(2))));
        Value y = b.op(OpKind.SLICE, List.of(x), Map.of("axis", new Attr.Int(0), "start", new Attr.DimAttr(t.minus(Dim.of(1))),
                "end", new Attr.DimAttr(t)), null, List.of());
        var g = b.build(List.of(y));
        RefTensor in = RefTensor.of(shape(3, 2), 1, 2, 3, 4, 5, 6);
        assertArrayEquals(new double[] {5, 6}, new Interpreter().run(g, Map.of("x", in), Map.of()).getFirst().toArray());
    }

    @Test
    void concatJoinsAlongAnAxis() {
        RefTensor c = run(OpKind.CONCAT, attrs("axis", 1), M, RefTensor.of(shape(2, 1), 9, 10));
        assertArrayEquals(new long[] {2, 4}, c.shape());
        assertArrayEquals(new double[] {1, 2, 3, 9, 4, 5, 6, 10}, c.toArray());
        RefTensor r = run(OpKind.CONCAT, attrs("axis", 0), M, M);
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}, r.toArray());
    }

    @Test
    void padSurroundsAnAxisWithTheValue() {
        RefTensor p = run(OpKind.PAD, attrs("axis", 1, "before", 1, "after", 2, "value", -1.0), M);
        assertArrayEquals(new long[] {2, 6}, p.shape());
        assertArrayEquals(new double[] {-1, 1, 2, 3, -1, -1, -1, 4, 5, 6, -1, -1}, p.toArray());
    }

    @Test
    void gatherLooksUpRowsOfATable() {
        RefTensor table = RefTensor.of(shape(3, 2), 0, 1, 10, 11, 20, 21);
        RefTensor g = run(OpKind.GATHER, attrs("axis", 0), table, ints(shape(2, 2), 2, 0, 1, 1));
        assertArrayEquals(new long[] {2, 2, 2}, g.shape());
        assertArrayEquals(new double[] {20, 21, 0, 1, 10, 11, 10, 11}, g.toArray());
        RefTensor cols = run(OpKind.GATHER, attrs("axis", 1), table, ints(shape(), 1));
        assertArrayEquals(new double[] {1, 11, 21}, cols.toArray());
        assertThrows(IndexOutOfBoundsException.class, () -> run(OpKind.GATHER, attrs("axis", 0), table, ints(shape(1), 3)));
    }

    @Test
    void scatterAddAccumulatesRepeatedIndices() {
        RefTensor s = run(OpKind.SCATTER_ADD, attrs("axis", 0), RefTensor.vector(1, 1, 1), ints(shape(3), 2, 0, 2), RefTensor.vector(5, 6, 7));
        assertArrayEquals(new double[] {7, 1, 13}, s.toArray());
    }

    @Test
    void scatterAddIsTheAdjointOfGather() {
        // <scatter_add(0, i, u), x> == <u, gather(x, i)>
        qt().forAll(integers().between(1, 4), integers().between(1, 5), integers().between(0, 1), longs().all()).checkAssert((n, m, axis, seed) -> {
            Random rnd = new Random(seed);
            long[] tableShape = axis == 0 ? shape(n, 3) : shape(3, n);
            RefTensor x = randn(rnd, tableShape);
            double[] idx = new double[m * 2];
            for (int i = 0; i < idx.length; i++) idx[i] = rnd.nextInt(n);
            RefTensor indices = ints(shape(m, 2), idx);
            RefTensor gathered = run(OpKind.GATHER, attrs("axis", axis), x, indices);
            RefTensor u = randn(rnd, gathered.shape());
            RefTensor scattered = run(OpKind.SCATTER_ADD, attrs("axis", axis), RefTensor.zeros(DType.F32, tableShape), indices, u);
            assertEquals(dot(u, gathered), dot(scattered, x), 1e-12);
        });
    }

    private static double dot(RefTensor a, RefTensor b) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) s += a.at(i) * b.at(i);
        return s;
    }

    @Test
    void sourcesFillCountAndDrawReproducibly() {
        GraphBuilder b = new GraphBuilder("sources");
        Value c = b.constant(2.5, TensorType.of(DType.F32, 2));
        Value i = b.op(OpKind.IOTA, List.of(), attrs("axis", 1), TensorType.of(DType.I64, 2, 3), List.of());
        Value u = b.op(OpKind.RANDOM, List.of(), attrs("seed", 42), TensorType.of(DType.F32, 1000), List.of());
        Value z = b.op(OpKind.RANDOM, List.of(), attrs("seed", 42, "dist", "normal"), TensorType.of(DType.F32, 20000), List.of());
        List<RefTensor> r = new Interpreter().run(b.build(List.of(c, i, u, z)), Map.of(), Map.of());
        assertArrayEquals(new double[] {2.5, 2.5}, r.get(0).toArray());
        assertArrayEquals(new double[] {0, 1, 2, 0, 1, 2}, r.get(1).toArray());
        for (int k = 0; k < 1000; k++) {
            assertEquals(CounterRandom.uniform(42, k), r.get(2).at(k), "element k depends only on (seed, k)");
            assertEquals(true, r.get(2).at(k) >= 0 && r.get(2).at(k) < 1);
        }
        double mean = 0, sq = 0;
        for (double v : r.get(3).toArray()) { mean += v / 20000; sq += v * v / 20000; }
        assertEquals(0.0, mean, 0.03); // standard error 0.007
        assertEquals(1.0, sq, 0.05);
    }
}
