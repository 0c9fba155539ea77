package strata.tests.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.interp.RefTensor;
import strata.runtime.CpuExecutable;
import strata.runtime.KernelPool;

/**
 * Reductions and the composites built on them, compiled, equal the interpreter on random shapes
 * with odd extents. Tolerances: 1e-5 absolute and relative for max, argmax, gelu; 1e-4 for the f32
 * sums of sum, softmax, the norms and cross_entropy (the interpreter accumulates in double).
 */
class ReductionKernelTest {
    private static final KernelPool POOL = new KernelPool(2);

    @AfterAll
    static void close() { POOL.close(); }

    /** x: f32[N, d1, d2] with N bound at run time. */
    private static TensorType x(int d1, int d2) { return new TensorType(DType.F32, List.of(Dim.sym("N"), Dim.of(d1), Dim.of(d2))); }

    @Test
    void sumMaxAndArgmaxOverAnyAxesEqualTheInterpreter() {
        qt().withExamples(25).forAll(longs().all(), integers().between(1, 5), integers().between(1, 19), integers().between(1, 37))
                .checkAssert((seed, n, d1, d2) -> {
                    Random r = new Random(seed);
                    GraphBuilder b = new GraphBuilder("reduce");
                    Value in = b.input("x", x(d1, d2));
                    List<Long> axes = new ArrayList<>();
                    for (long a = 0; a < 3; a++) if (r.nextBoolean()) axes.add(r.nextBoolean() ? a : a - 3);
                    boolean keep = r.nextBoolean();
                    Map<String, Attr> attrs = Map.of("axes", new Attr.Ints(axes), "keepdims", new Attr.Bool(keep));
                    Value sum = b.op(OpKind.SUM, List.of(in), attrs);
                    Value max = b.op(OpKind.REDUCE_MAX, List.of(in), attrs);
                    Value arg = b.op(OpKind.ARGMAX, List.of(in), Map.of("axes", new Attr.Ints(List.of((long) r.nextInt(3))), "keepdims", new Attr.Bool(keep)));
                    Graph g = b.build(List.of(sum, max, arg));
                    Compiled.assertMatches(g, Map.of("x", Compiled.normal(r, 1, n, d1, d2)), Map.of(), 1e-4, 1e-4, POOL);
                });
    }

    @Test
    void softmaxOverAnyAxisEqualsTheInterpreter() {
        qt().withExamples(20).forAll(longs().all(), integers().between(1, 4), integers().between(1, 19), integers().between(1, 37))
                .checkAssert((seed, n, d1, d2) -> {
                    Random r = new Random(seed);
                    GraphBuilder b = new GraphBuilder("softmax");
                    Value in = b.input("x", x(d1, d2));
                    Graph g = b.build(List.of(b.op(OpKind.SOFTMAX, List.of(in), Map.of("axis", new Attr.Int(r.nextInt(6) - 3)))));
                    Compiled.assertMatches(g, Map.of("x", Compiled.normal(r, 3, n, d1, d2)), Map.of(), 1e-5, 1e-4, POOL);
                });
    }

    @Test
    void layerNormAndRmsNormWithAndWithoutGainAndBiasEqualTheInterpreter() {
        qt().withExamples(20).forAll(longs().all(), integers().between(1, 4), integers().between(1, 9), integers().between(1, 67))
                .checkAssert((seed, n, d1, d2) -> {
                    Random r = new Random(seed);
                    GraphBuilder b = new GraphBuilder("norm");
                    Value in = b.input("x", x(d1, d2));
                    Value gain = b.param("gain", TensorType.of(DType.F32, d2)), bias = b.param("bias", TensorType.of(DType.F32, d2));
                    Map<String, Attr> eps = Map.of("eps", new Attr.Float(1e-5));
                    List<Value> outs = List.of(
                            b.op(OpKind.LAYER_NORM, List.of(in, gain, bias), eps), b.op(OpKind.LAYER_NORM, List.of(in), eps),
                            b.op(OpKind.RMS_NORM, List.of(in, gain), eps), b.op(OpKind.RMS_NORM, List.of(in, gain, bias), eps));
                    Graph g = b.build(outs);
                    Map<String, RefTensor> params = Map.of("gain", Compiled.normal(r, 1, d2), "bias", Compiled.normal(r, 1, d2));
                    Compiled.assertMatches(g, Map.of("x", Compiled.normal(r, 2, n, d1, d2)), params, 1e-4, 1e-4, POOL);
                });
    }

    @Test
    void crossEntropyWithIgnoredTargetsEqualsTheInterpreter() {
        qt().withExamples(20).forAll(longs().all(), integers().between(1, 4), integers().between(1, 9), integers().between(2, 70))
                .checkAssert((seed, n, t, v) -> {
                    Random r = new Random(seed);
                    GraphBuilder b = new GraphBuilder("xent");
                    Value logits = b.input("logits", x(t, v));
                    Value targets = b.input("targets", new TensorType(DType.I32, List.of(Dim.sym("N"), Dim.of(t))));
                    Graph g = b.build(List.of(b.op(OpKind.CROSS_ENTROPY, List.of(logits, targets), Map.of("ignore_index", new Attr.Int(-100)))));
                    RefTensor tg = Compiled.ints(r, DType.I32, 0, v, n, t);
                    double[] tv = tg.toArray();
                    for (int i = 0; i < tv.length; i++) if (r.nextInt(4) == 0) tv[i] = -100;
                    Map<String, RefTensor> in = Map.of("logits", Compiled.normal(r, 3, n, t, v), "targets", RefTensor.of(DType.I32, tg.shape(), tv));
                    Compiled.assertMatches(g, in, Map.of(), 1e-4, 1e-4, POOL);
                });
    }

    @Test
    void geluBothFormsEqualTheInterpreterAndFuseWithTheirNeighbours() {
        qt().withExamples(15).forAll(longs().all(), integers().between(1, 4), integers().between(1, 37))
                .checkAssert((seed, n, d) -> {
                    Random r = new Random(seed);
                    GraphBuilder b = new GraphBuilder("gelu");
                    Value in = b.input("x", new TensorType(DType.F32, List.of(Dim.sym("N"), Dim.of(d))));
                    Value bias = b.param("bias", TensorType.of(DType.F32, d));
                    Value h = b.op(OpKind.ADD, in, bias);
                    Value erf = b.op(OpKind.GELU, List.of(h), Map.of("approximate", new Attr.Str("erf")));
                    Value tanh = b.op(OpKind.GELU, List.of(erf), Map.of("approximate", new Attr.Str("tanh")));
                    Value drop = b.op(OpKind.DROPOUT, List.of(tanh), Map.of("p", new Attr.Float(0.1), "seed", new Attr.Int(3)));
                    Graph g = b.build(List.of(drop));
                    try (CpuExecutable exe = CpuExecutable.compile(g, POOL)) {
                        assertEquals(1, exe.kernelCount(), "add, gelu, gelu and dropout are one kernel");
                    }
                    Compiled.assertMatches(g, Map.of("x", Compiled.normal(r, 2, n, d)), Map.of("bias", Compiled.normal(r, 1, d)), 1e-5, 1e-5, POOL);
                });
    }

    /** sum or max of x: f32[B, T, d] over its leading axes [0, 1] (a bias's gradient), or over [0] only. */
    private static Graph leading(int d, boolean both, boolean keep, OpKind kind) {
        GraphBuilder b = new GraphBuilder("leading");
        Value in = b.input("x", new TensorType(DType.F32, List.of(Dim.sym("B"), Dim.sym("T"), Dim.of(d))));
        List<Long> axes = both ? List.of(0L, 1L) : List.of(0L);
        return b.build(List.of(b.op(kind, List.of(in), Map.of("axes", new Attr.Ints(axes), "keepdims", new Attr.Bool(keep)))));
    }

    @Test
    void reductionsOverLeadingAxesEqualTheInterpreterOnOddShapes() {
        // rows B*T from 1 (most chunks empty) past several rows per chunk, not a multiple of the chunks; a quarter
        // of the cases keep more columns than are reduced in chunks (the column-block form), over fewer rows
        qt().withExamples(40).forAll(longs().all(), integers().between(1, 9), integers().between(1, 70), integers().between(1, 41))
                .checkAssert((seed, bs, t0, d0) -> {
                    Random r = new Random(seed);
                    boolean wide = r.nextInt(4) == 0;
                    int d = wide ? 2040 + d0 : d0, t = wide ? 1 + t0 % 5 : t0;
                    Graph g = leading(d, r.nextBoolean(), r.nextBoolean(), r.nextBoolean() ? OpKind.SUM : OpKind.REDUCE_MAX);
                    Compiled.assertMatches(g, Map.of("x", Compiled.normal(r, 1, bs, t, d)), Map.of(), 1e-4, 1e-4, POOL);
                });
    }

    @Test
    void biasGradientReadsRowsInChunksThenCombinesThem() {
        var l = strata.compiler.lower.GraphLowering.of(leading(128, true, false, OpKind.SUM));
        assertEquals(2, l.kernels().size(), l.text());
        assertEquals(true, l.kernels().getFirst().name().endsWith("_rows"), l.text());
        // many kept columns: one kernel of column blocks, each walking the rows
        assertEquals(1, strata.compiler.lower.GraphLowering.of(leading(4100, false, true, OpKind.SUM)).kernels().size());
        // a reduction over a trailing axis keeps the one-kernel form
        GraphBuilder b = new GraphBuilder("trailing");
        Value in = b.input("x", x(3, 5));
        Graph g = b.build(List.of(b.op(OpKind.SUM, List.of(in), Map.of("axes", new Attr.Ints(List.of(2L)))))) ;
        assertEquals(1, strata.compiler.lower.GraphLowering.of(g).kernels().size());
    }

    /** The chunks and blocks are fixed, not one per thread: one thread and two give the same bits. */
    @Test
    void leadingSumIsBitReproducibleAcrossThreadCounts() {
        for (int d : new int[] {77, 2100}) bitReproducible(leading(d, true, false, OpKind.SUM), Compiled.normal(new Random(d), 1, 6, 131, d));
    }

    private static void bitReproducible(Graph g, RefTensor x) {
        try (KernelPool one = new KernelPool(1)) {
            RefTensor a = Compiled.run(g, Map.of("x", x), Map.of(), one).getFirst(), b = Compiled.run(g, Map.of("x", x), Map.of(), POOL).getFirst();
            double[] av = a.toArray(), bv = b.toArray();
            for (int i = 0; i < av.length; i++)
                assertEquals(Double.doubleToRawLongBits(av[i]), Double.doubleToRawLongBits(bv[i]), "element " + i);
        }
    }
}
