package strata.tests.autodiff;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static strata.tests.autodiff.GradientCheck.f32;
import static strata.tests.autodiff.GradientCheck.normal;

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
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.tests.RandomTensors;

/**
 * Reductions, movement and matmul: their gradients equal finite differences of the interpreter
 * (tolerance of {@link GradientCheck}) on random shapes, axes and transpose flags.
 */
class StructuralGradientTest {
    private static final Interpreter INTERP = Interpreter.inference();

    private static void check(GraphBuilder b, Value y, Map<String, RefTensor> in, Map<String, RefTensor> params, Map<String, Long> syms, Random r) {
        GradientCheck.assertMatches(b.build(List.of(y)), List.of(y), in, params, syms, INTERP, r, 0);
    }

    private static List<Long> randomAxes(Random r, int rank) {
        List<Long> axes = new ArrayList<>();
        for (long a = 0; a < rank; a++) if (r.nextBoolean()) axes.add(r.nextBoolean() ? a : a - rank);
        return axes;
    }

    /** sum and reduce_max over random axes, with and without keepdims (distinct values: the max is unique). */
    @Test
    void sumAndMaxOverAnyAxesMatchFiniteDifferences() {
        qt().withExamples(30).forAll(longs().all(), integers().between(1, 3), integers().between(1, 4), integers().between(1, 4)).checkAssert((seed, d0, d1, d2) -> {
            Random r = new Random(seed);
            GraphBuilder b = new GraphBuilder("reduce");
            Value x = b.param("x", f32(d0, d1, d2));
            Map<String, Attr> attrs = Map.of("axes", new Attr.Ints(randomAxes(r, 3)), "keepdims", new Attr.Bool(r.nextBoolean()));
            Value s = b.op(OpKind.SUM, List.of(x), attrs), m = b.op(OpKind.REDUCE_MAX, List.of(x), attrs);
            List<Double> distinct = new ArrayList<>();
            for (int i = 0; i < d0 * d1 * d2; i++) distinct.add(i * 0.25 - 1);
            Collections.shuffle(distinct, r);
            RefTensor xv = RefTensor.of(new long[] {d0, d1, d2}, distinct.stream().mapToDouble(Double::doubleValue).toArray());
            GradientCheck.assertMatches(b.build(List.of(s, m)), List.of(s, m), Map.of(), Map.of("x", xv), Map.of(), INTERP, r, 0);
        });
    }

    /** A max over equal values splits the adjoint among them: reduce_max of a broadcast parameter has gradient 1. */
    @Test
    void reduceMaxOfTiesSplitsTheAdjoint() {
        GraphBuilder b = new GraphBuilder("ties");
        Value x = b.param("x", f32(2, 1));
        Value wide = b.op(OpKind.BROADCAST, List.of(x), Map.of(), f32(2, 3), List.of());
        Value m = b.op(OpKind.REDUCE_MAX, List.of(wide), Map.of("axes", new Attr.Ints(List.of(1L))));
        Random r = new Random(3);
        check(b, m, Map.of(), Map.of("x", normal(r, 2, 1)), Map.of(), r);
    }

    /** reshape, permute, broadcast, pad and concat on random shapes. */
    @Test
    void reshapePermuteBroadcastPadAndConcatMatchFiniteDifferences() {
        qt().withExamples(30).forAll(longs().all(), integers().between(1, 3), integers().between(1, 4), integers().between(1, 4)).checkAssert((seed, d0, d1, d2) -> {
            Random r = new Random(seed);
            GraphBuilder b = new GraphBuilder("movement");
            Value x = b.param("x", f32(d0, d1, d2)), z = b.param("z", f32(d0, 2, d2)), c = b.param("c", f32(d1, 1));
            List<Long> perm = new ArrayList<>(List.of(0L, 1L, 2L));
            Collections.shuffle(perm, r);
            Value p = b.op(OpKind.PERMUTE, List.of(x), Map.of("perm", new Attr.Ints(perm)));
            Value back = b.op(OpKind.PERMUTE, List.of(p), Map.of("perm", new Attr.Ints(inverse(perm))));
            Value cat = b.op(OpKind.CONCAT, List.of(back, z, back), Map.of("axis", new Attr.Int(1)));
            Value padded = b.op(OpKind.PAD, List.of(cat), Map.of("axis", new Attr.Int(r.nextInt(3)), "before", new Attr.Int(r.nextInt(3)), "after", new Attr.Int(r.nextInt(3)), "value", new Attr.Float(0.5)));
            Value flat = b.op(OpKind.RESHAPE, List.of(padded), Map.of(), new TensorType(DType.F32, List.of(padded.type().numel())), List.of());
            Value wide = b.op(OpKind.BROADCAST, List.of(c), Map.of(), f32(d0, d1, d2), List.of());
            Value y = b.op(OpKind.MUL, x, wide);
            GradientCheck.assertMatches(b.build(List.of(flat, y)), List.of(flat, y), Map.of(),
                    Map.of("x", normal(r, d0, d1, d2), "z", normal(r, d0, 2, d2), "c", normal(r, d1, 1)), Map.of(), INTERP, r, 0);
        });
    }

    private static List<Long> inverse(List<Long> perm) {
        Long[] inv = new Long[perm.size()];
        for (int i = 0; i < perm.size(); i++) inv[perm.get(i).intValue()] = (long) i;
        return List.of(inv);
    }

    /** slice with unit and larger steps, and with symbolic bounds (T - 1), whose transpose concatenates zero blocks of extent 1. */
    @Test
    void sliceMatchesFiniteDifferencesForStepsAndSymbolicBounds() {
        qt().withExamples(30).forAll(longs().all(), integers().between(3, 7), integers().between(1, 3), integers().between(1, 3)).checkAssert((seed, t, step, d) -> {
            Random r = new Random(seed);
            GraphBuilder b = new GraphBuilder("slice");
            b.declareSymbol("T");
            Value x = b.param("x", f32(d, t));
            int start = r.nextInt(t), end = start + 1 + r.nextInt(t - start);
            Value s = b.op(OpKind.SLICE, List.of(x), Map.of("axis", new Attr.Int(1), "start", new Attr.Int(start), "end", new Attr.Int(end), "step", new Attr.Int(step)));
            // symbolic: (u[T, d] * x2[d])[1 : T - 1] with T bound by the input u
            Value x2 = b.param("x2", f32(d));
            Value tokens = b.input("u", new TensorType(DType.F32, List.of(Dim.sym("T"), Dim.of(d))));
            Value xt = b.op(OpKind.MUL, tokens, x2);
            Value s2 = b.op(OpKind.SLICE, List.of(xt), Map.of("axis", new Attr.Int(0), "start", new Attr.Int(1), "end", new Attr.DimAttr(Dim.sym("T").minus(Dim.of(1))), "step", new Attr.Int(1)));
            var g = b.build(List.of(s, s2));
            Map<String, RefTensor> in = Map.of("u", normal(r, t, d));
            GradientCheck.assertMatches(g, List.of(s, s2), in, Map.of("x", normal(r, d, t), "x2", normal(r, d)), Map.of("T", (long) t), INTERP, r, 0);
        });
    }

    /** gather with repeated indices (the adjoint scatter-adds them) and scatter_add (identity for base, gather for updates). */
    @Test
    void gatherAndScatterAddMatchFiniteDifferences() {
        qt().withExamples(30).forAll(longs().all(), integers().between(1, 5), integers().between(1, 4), integers().between(1, 6)).checkAssert((seed, v, d, n) -> {
            Random r = new Random(seed);
            int axis = r.nextInt(2);
            long[] table = axis == 0 ? new long[] {v, d} : new long[] {d, v};
            GraphBuilder b = new GraphBuilder("gather");
            Value t = b.param("table", f32(table));
            Value idx = b.input("idx", TensorType.of(DType.I32, n));
            Value g = b.op(OpKind.GATHER, List.of(t, idx), Map.of("axis", new Attr.Int(axis)));
            Value u = b.param("updates", g.type());
            Value base = b.param("base", f32(table));
            Value sc = b.op(OpKind.SCATTER_ADD, List.of(base, idx, u), Map.of("axis", new Attr.Int(axis)));
            Map<String, RefTensor> in = Map.of("idx", RandomTensors.ints(r, 0, v, n));
            long[] us = g.type().concreteShape(Map.of());
            GradientCheck.assertMatches(b.build(List.of(g, sc)), List.of(g, sc), in,
                    Map.of("table", normal(r, table), "updates", normal(r, us), "base", normal(r, table)), Map.of(), INTERP, r, 0);
        });
    }

    /** matmul with every pair of transpose flags, and batch dims that broadcast ([M, K] or [1, M, K] against [B, K, N]). */
    @Test
    void matmulMatchesFiniteDifferencesForTransposesAndBatchBroadcast() {
        qt().withExamples(40).forAll(longs().all(), integers().between(1, 3), integers().between(1, 4), integers().between(0, 11)).checkAssert((seed, bt, m, form) -> {
            Random r = new Random(seed);
            int k = 1 + r.nextInt(4), n = 1 + r.nextInt(4);
            boolean ta = (form & 1) != 0, tb = (form & 2) != 0;
            int batchForm = form / 4; // 0: both batched; 1: a unbatched; 2: a batch of 1
            long[] inner = ta ? new long[] {k, m} : new long[] {m, k};
            long[] sa = switch (batchForm) {
                case 0 -> new long[] {bt, inner[0], inner[1]};
                case 1 -> inner;
                default -> new long[] {1, inner[0], inner[1]};
            };
            long[] sb = tb ? new long[] {bt, n, k} : new long[] {bt, k, n};
            GraphBuilder b = new GraphBuilder("matmul");
            Value a = b.param("a", f32(sa)), bb = b.param("b", f32(sb));
            Value c = b.op(OpKind.MATMUL, List.of(a, bb), Map.of("transpose_a", new Attr.Bool(ta), "transpose_b", new Attr.Bool(tb)));
            check(b, c, Map.of(), Map.of("a", normal(r, sa), "b", normal(r, sb)), Map.of(), r);
        });
    }
}
