package strata.tests.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.interp.RefTensor;
import strata.compiler.lower.GraphLowering;
import strata.runtime.KernelPool;
import strata.tests.RandomTensors;

/**
 * The {@code attention_grad} ops of one attention (same q, k, v, dout, attributes and regions up
 * to renaming, as autodiff makes them) are lowered together: any two or all three of dq, dk, dv
 * take one statistics pass and at most one key-row kernel, and still equal the reference
 * interpreter, for grouped heads, queries and keys of different lengths, and masks that leave
 * rows empty. Ops that differ in their mask are not merged. Tolerance as in AttentionGradKernelTest.
 */
class AttentionGradSiblingsTest {
    private static final KernelPool POOL = new KernelPool(2);
    private static final double ATOL = 1e-4, RTOL = 1e-3;
    private static final TensorType I64 = TensorType.scalar(DType.I64), F32 = TensorType.scalar(DType.F32);

    @AfterAll
    static void close() { POOL.close(); }

    /** The mask forms: none, k <= q (loops stop at the diagonal), and k <= q with a per-sample key length (empty rows). */
    private static Region mask(GraphBuilder b, int form, Value len) {
        return b.region("mask", List.of(I64, I64, I64, I64), a -> {
            Value causal = b.op(OpKind.LE, a.get(3), a.get(2));
            if (form == 1) return causal;
            Value l = b.op(OpKind.CAST, List.of(b.op(OpKind.GATHER, List.of(len, a.get(0)), Map.of("axis", new Attr.Int(0)))), Map.of(), I64, List.of());
            return b.op(OpKind.AND, causal, b.op(OpKind.LT, a.get(3), l));
        });
    }

    /** A softcap-like score modifier tanh(s / 2) * 2 and its derivative 1 - tanh(s / 2)^2, each a fresh region as autodiff copies them. */
    private static List<Region> scored(GraphBuilder b) {
        Region score = b.region("score", List.of(I64, I64, I64, I64, F32), a ->
                b.op(OpKind.MUL, b.op(OpKind.TANH, b.op(OpKind.MUL, a.get(4), b.constant(0.5, F32))), b.constant(2.0, F32)));
        Region grad = b.region("score_grad", List.of(I64, I64, I64, I64, F32), a -> {
            Value th = b.op(OpKind.TANH, b.op(OpKind.MUL, a.get(4), b.constant(0.5, F32)));
            return b.op(OpKind.SUB, b.constant(1.0, F32), b.op(OpKind.MUL, th, th));
        });
        return List.of(score, grad);
    }

    @Test
    void everySubsetOfDqDkDvLoweredTogetherEqualsTheInterpreter() {
        qt().withExamples(40).forAll(longs().all(), integers().between(1, 7), integers().between(1, 11), integers().between(1, 11))
                .checkAssert((seed, subset, tq, tk) -> {
                    Random r = new Random(seed);
                    int hkv = 1 + r.nextInt(2), heads = hkv * (1 + r.nextInt(3)), bs = 1 + r.nextInt(2), d = 1 + r.nextInt(20), dv = 1 + r.nextInt(19);
                    int maskForm = r.nextInt(3);
                    boolean withScore = r.nextBoolean();
                    GraphBuilder b = new GraphBuilder("siblings");
                    Value q = b.input("q", TensorType.of(DType.F32, bs, heads, tq, d));
                    Value k = b.input("k", TensorType.of(DType.F32, bs, hkv, tk, d));
                    Value v = b.input("v", TensorType.of(DType.F32, bs, hkv, tk, dv));
                    Value dout = b.input("dout", TensorType.of(DType.F32, bs, heads, tq, dv));
                    Value len = b.input("len", TensorType.of(DType.I32, bs));
                    List<String> wrt = new ArrayList<>();
                    for (int w = 0; w < 3; w++) if ((subset >> w & 1) != 0) wrt.add(List.of("q", "k", "v").get(w));
                    List<Value> outs = new ArrayList<>();
                    for (String w : wrt) {
                        List<Region> regions = new ArrayList<>();
                        if (maskForm > 0) regions.add(mask(b, maskForm, len));
                        if (withScore) regions.addAll(scored(b));
                        outs.add(b.op(OpKind.ATTENTION_GRAD, List.of(q, k, v, dout), Map.of("wrt", new Attr.Str(w), "scale", new Attr.Float(0.7)), null, regions));
                    }
                    Graph g = b.build(outs);
                    // a query-row kernel (the statistics, with dq when wanted) and a key-row kernel when dk or dv is wanted
                    long kernels = GraphLowering.of(g).kernels().stream().filter(x -> x.name().contains("attention_grad")).count();
                    assertEquals(wrt.contains("k") || wrt.contains("v") ? 2 : 1, kernels, "kernels for " + wrt + ":\n" + GraphLowering.of(g).text());
                    Map<String, RefTensor> in = new HashMap<>();
                    in.put("q", RandomTensors.gaussian(r, 1, bs, heads, tq, d));
                    in.put("k", RandomTensors.gaussian(r, 1, bs, hkv, tk, d));
                    in.put("v", RandomTensors.gaussian(r, 1, bs, hkv, tk, dv));
                    in.put("dout", RandomTensors.gaussian(r, 1, bs, heads, tq, dv));
                    in.put("len", RandomTensors.ints(r, 0, tk + 1, bs));
                    Compiled.assertMatches(g, in, Map.of(), ATOL, RTOL, POOL);
                });
    }

    /** dq under a causal mask and dk under none differentiate two attentions: each is lowered alone (1 + 2 kernels), both still exact. */
    @Test
    void gradientsOfAttentionsWithDifferentMasksAreNotMerged() {
        GraphBuilder b = new GraphBuilder("two_masks");
        int bs = 2, heads = 4, hkv = 2, t = 7, d = 5;
        Value q = b.input("q", TensorType.of(DType.F32, bs, heads, t, d));
        Value k = b.input("k", TensorType.of(DType.F32, bs, hkv, t, d));
        Value v = b.input("v", TensorType.of(DType.F32, bs, hkv, t, d));
        Value dout = b.input("dout", TensorType.of(DType.F32, bs, heads, t, d));
        Value len = b.input("len", TensorType.of(DType.I32, bs));
        Value dq = b.op(OpKind.ATTENTION_GRAD, List.of(q, k, v, dout), Map.of("wrt", new Attr.Str("q")), null, List.of(mask(b, 1, len)));
        Value dk = b.op(OpKind.ATTENTION_GRAD, List.of(q, k, v, dout), Map.of("wrt", new Attr.Str("k")), null, List.of());
        Graph g = b.build(List.of(dq, dk));
        assertEquals(3, GraphLowering.of(g).kernels().stream().filter(x -> x.name().contains("attention_grad")).count(), GraphLowering.of(g).text());
        Random r = new Random(5);
        Map<String, RefTensor> in = Map.of("q", RandomTensors.gaussian(r, 1, bs, heads, t, d), "k", RandomTensors.gaussian(r, 1, bs, hkv, t, d),
                "v", RandomTensors.gaussian(r, 1, bs, hkv, t, d), "dout", RandomTensors.gaussian(r, 1, bs, heads, t, d),
                "len", RandomTensors.ints(r, 0, t + 1, bs));
        Compiled.assertMatches(g, in, Map.of(), ATOL, RTOL, POOL);
    }
}
