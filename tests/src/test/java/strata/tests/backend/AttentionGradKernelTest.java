package strata.tests.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
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
import strata.compiler.autodiff.Gradients;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.interp.RefTensor;
import strata.compiler.kernel.Kernel;
import strata.compiler.lower.GraphLowering;
import strata.runtime.KernelPool;
import strata.tests.ModelFiles;
import strata.tests.RandomTensors;

/**
 * The fused backward of attention ({@code attention_grad}, wrt q, k, v and score) compiled for
 * the CPU equals the reference interpreter's, for every mask of the prelude (per-sample data
 * included, so that some query rows see no key), score modifiers with their derivative regions,
 * grouped and multi-query heads and odd sizes. Tolerance: |got - want| <= 1e-4 + 1e-3 |want|, the
 * kernels summing in f32 over up to 3 x 37 products of O(1) terms where the interpreter sums in
 * double.
 */
class AttentionGradKernelTest {
    private static final KernelPool POOL = new KernelPool(2);
    private static final double ATOL = 1e-4, RTOL = 1e-3;

    @AfterAll
    static void close() { POOL.close(); }

    private static final List<String> MASKS = List.of("none", "causal", "sliding(3, sinks = 1)", "prefix_lm(prefix)", "padding(len)",
            "causal and padding(len)", "document(seg)", "not causal or padding(len)");
    private static final List<String> SCORES = List.of("none", "alibi(slopes)", "softcap(2.0)");

    /** attention(q, k, v) with q, k, v trainable parameters of the given sizes, and the gradient graph of sum(o * dout). */
    static Gradients.Result gradients(String mask, String score, int bs, int h, int hkv, int t, int d) {
        String m = mask.equals("none") ? "" : ", mask = " + mask;
        String s = score.equals("none") ? "" : ", score = " + score;
        String text = "import prelude\nmodel A {\n"
                + "  param q: f32[" + bs + ", " + h + ", " + t + ", " + d + "] ~ zeros\n"
                + "  param k: f32[" + bs + ", " + hkv + ", " + t + ", " + d + "] ~ zeros\n"
                + "  param v: f32[" + bs + ", " + hkv + ", " + t + ", " + (d + 2) + "] ~ zeros\n"
                + "  input len: i32[" + bs + "]\n  input prefix: i32[" + bs + "]\n  input seg: i32[" + bs + ", " + t + "]\n"
                + "  input slopes: f32[" + h + "]\n"
                + "  forward { return attention(q, k, v" + m + s + ", empty = zeros) }\n}\n";
        var built = ModelFiles.buildText("attn.strata", text, null);
        assertFalse(built.diagnostics().hasErrors(), built.rendered());
        return withLinearLoss(built.graph());
    }

    /** g's only output o, then the loss sum(o * dout) with dout a new input, differentiated. */
    static Gradients.Result withLinearLoss(Graph g) {
        GraphBuilder b = new GraphBuilder(g.name(), g.maxId() + 1);
        for (String s : g.symbols()) b.declareSymbol(s);
        for (Op op : g.ops()) b.append(op);
        Value o = g.outputs().getFirst();
        Value dout = b.input("dout", o.type());
        List<Long> axes = new ArrayList<>();
        for (long a = 0; a < o.type().rank(); a++) axes.add(a);
        Value loss = b.op(OpKind.SUM, List.of(b.op(OpKind.MUL, o, dout)), Map.of("axes", new Attr.Ints(axes)));
        Graph lg = b.build(List.of(loss));
        return Gradients.append(lg, loss);
    }

    @Test
    void fusedAttentionGradEqualsTheInterpreterForEveryMaskAndScoreOnOddSizes() {
        qt().withExamples(40).forAll(integers().between(0, MASKS.size() * SCORES.size() - 1), integers().between(1, 3),
                integers().between(1, 23), integers().between(1, 19)).checkAssert((form, bs, t, d) -> {
            String mask = MASKS.get(form % MASKS.size()), score = SCORES.get(form / MASKS.size());
            int hkv = 1 + (t + d) % 2, h = hkv * (1 + t % 3);   // MHA, GQA and MQA
            Gradients.Result grads = gradients(mask, score, bs, h, hkv, t, d);
            Random r = new Random(31L * t + d + form);
            Map<String, RefTensor> in = new HashMap<>();
            in.put("len", RandomTensors.ints(r, 0, t + 1, bs));       // 0 leaves padding rows empty: no gradient from them
            in.put("prefix", RandomTensors.ints(r, 0, t + 1, bs));
            in.put("seg", RandomTensors.ints(r, 0, 3, bs, t));
            in.put("slopes", RandomTensors.gaussian(r, 0.5, h));
            in.put("dout", RandomTensors.gaussian(r, 1, bs, h, t, d + 2));
            Map<String, RefTensor> params = Map.of("q", RandomTensors.gaussian(r, 1, bs, h, t, d),
                    "k", RandomTensors.gaussian(r, 1, bs, hkv, t, d), "v", RandomTensors.gaussian(r, 1, bs, hkv, t, d + 2));
            Compiled.assertMatches(grads.graph(), in, params, ATOL, RTOL, POOL);
        });
    }

    private static final TensorType I64 = TensorType.scalar(DType.I64), F32 = TensorType.scalar(DType.F32);

    /**
     * Cross-attention shapes (Tq != Tk, 1 and primes among them): a mask that is causal from the
     * end of the keys and reads a per-sample length (some rows see no key), or the plain causal
     * conjunct k <= q whose loops stop at the diagonal; a score region reading a bias table by a
     * computed index; grouped heads.
     */
    @Test
    void fusedAttentionGradEqualsTheInterpreterWhenQueriesAndKeysDifferInLength() {
        qt().withExamples(25).forAll(longs().all(), integers().between(1, 13), integers().between(1, 13), integers().between(1, 21))
                .checkAssert((seed, tq, tk, d) -> {
                    Random r = new Random(seed);
                    int hkv = 1 + r.nextInt(2), heads = hkv * (1 + r.nextInt(3)), bs = 1 + r.nextInt(3), dv = 1 + r.nextInt(5);
                    boolean diagonal = r.nextBoolean();
                    GraphBuilder b = new GraphBuilder("attention");
                    Value q = b.param("q", TensorType.of(DType.F32, bs, heads, tq, d));
                    Value k = b.param("k", TensorType.of(DType.F32, bs, hkv, tk, d));
                    Value v = b.param("v", TensorType.of(DType.F32, bs, hkv, tk, dv));
                    Value len = b.input("len", TensorType.of(DType.I32, bs));
                    Value table = b.input("bias", TensorType.of(DType.F32, 4, heads));
                    Region mask = b.region("mask", List.of(I64, I64, I64, I64), a -> {
                        if (diagonal) return b.op(OpKind.LE, a.get(3), a.get(2));
                        Value causal = b.op(OpKind.LE, a.get(3), b.op(OpKind.ADD, a.get(2), b.constant(tk - tq, I64)));
                        Value l = b.op(OpKind.CAST, List.of(b.op(OpKind.GATHER, List.of(len, a.get(0)), Map.of("axis", new Attr.Int(0)))), Map.of(), I64, List.of());
                        return b.op(OpKind.AND, causal, b.op(OpKind.LT, a.get(3), l));
                    });
                    // tanh(s) + bias[(k - q) mod 4, h]: its derivative 1 - tanh(s)^2 is the score_grad autodiff derives
                    Region score = b.region("score", List.of(I64, I64, I64, I64, F32), a -> {
                        Value bucket = b.op(OpKind.MOD, b.op(OpKind.SUB, a.get(3), a.get(2)), b.constant(4, I64));
                        Value row = b.op(OpKind.GATHER, List.of(table, bucket), Map.of("axis", new Attr.Int(0)));
                        return b.op(OpKind.ADD, b.op(OpKind.TANH, a.get(4)), b.op(OpKind.GATHER, List.of(row, a.get(1)), Map.of("axis", new Attr.Int(0))));
                    });
                    Value o = b.op(OpKind.ATTENTION, List.of(q, k, v), Map.of("scale", new Attr.Float(0.6)), null, List.of(mask, score));
                    Gradients.Result grads = withLinearLoss(b.build(List.of(o)));
                    assertEquals(3, grads.graph().ops().stream().filter(x -> x.kind() == OpKind.ATTENTION_GRAD).count(), "one attention_grad per operand");
                    Map<String, RefTensor> in = Map.of("len", RandomTensors.ints(r, 0, tk + 1, bs), "bias", RandomTensors.gaussian(r, 1, 4, heads),
                            "dout", RandomTensors.gaussian(r, 1, bs, heads, tq, dv));
                    Map<String, RefTensor> params = Map.of("q", RandomTensors.gaussian(r, 1, bs, heads, tq, d),
                            "k", RandomTensors.gaussian(r, 1, bs, hkv, tk, d), "v", RandomTensors.gaussian(r, 1, bs, hkv, tk, dv));
                    Compiled.assertMatches(grads.graph(), in, params, ATOL, RTOL, POOL);
                });
    }

    /** attention_grad {wrt = "score"}: dS = P (dP - D), zero where the mask hides the key, built as the op itself. */
    @Test
    void theScoreGradientEqualsTheInterpreterAndIsZeroWhereTheMaskHides() {
        qt().withExamples(15).forAll(longs().all(), integers().between(1, 11), integers().between(1, 11), integers().between(1, 9))
                .checkAssert((seed, tq, tk, d) -> {
                    Random r = new Random(seed);
                    int hkv = 1 + r.nextInt(2), heads = hkv * (1 + r.nextInt(2)), bs = 1 + r.nextInt(2);
                    GraphBuilder b = new GraphBuilder("score_grad");
                    Value q = b.input("q", TensorType.of(DType.F32, bs, heads, tq, d));
                    Value k = b.input("k", TensorType.of(DType.F32, bs, hkv, tk, d));
                    Value v = b.input("v", TensorType.of(DType.F32, bs, hkv, tk, d));
                    Value dout = b.input("dout", TensorType.of(DType.F32, bs, heads, tq, d));
                    Value len = b.input("len", TensorType.of(DType.I32, bs));
                    Region mask = b.region("mask", List.of(I64, I64, I64, I64), a -> {
                        Value l = b.op(OpKind.CAST, List.of(b.op(OpKind.GATHER, List.of(len, a.get(0)), Map.of("axis", new Attr.Int(0)))), Map.of(), I64, List.of());
                        return b.op(OpKind.AND, b.op(OpKind.LE, a.get(3), a.get(2)), b.op(OpKind.LT, a.get(3), l));
                    });
                    Value ds = b.op(OpKind.ATTENTION_GRAD, List.of(q, k, v, dout), Map.of("wrt", new Attr.Str("score"), "scale", new Attr.Float(0.5)), null, List.of(mask));
                    Graph g = b.build(List.of(ds));
                    Map<String, RefTensor> in = Map.of("q", RandomTensors.gaussian(r, 1, bs, heads, tq, d), "k", RandomTensors.gaussian(r, 1, bs, hkv, tk, d),
                            "v", RandomTensors.gaussian(r, 1, bs, hkv, tk, d), "dout", RandomTensors.gaussian(r, 1, bs, heads, tq, d),
                            "len", RandomTensors.ints(r, 0, tk + 1, bs));
                    Compiled.assertMatches(g, in, Map.of(), ATOL, RTOL, POOL);
                });
    }

    /**
     * The memory law of FlashAttention-2's backward: besides q, k, v, dout and the gradients, the
     * kernels of dq, dk and dv hold only the B x H x Tq x 2 statistics (L, D), never a
     * Tq x Tk buffer; the three gradients of one attention take two kernels (query rows: the
     * statistics and dq; key rows: dk and dv together); D comes from the forward's output; and a
     * causal mask starts each key row's query loop at the diagonal.
     */
    @Test
    void theBackwardHoldsNoScoreBufferAndStartsKeyRowsAtTheDiagonal() {
        Gradients.Result grads = gradients("causal", "none", 2, 4, 2, 9, 8);
        GraphLowering low = GraphLowering.of(grads.graph());
        List<Kernel> backward = low.kernels().stream().filter(k -> k.name().contains("attention_grad")).toList();
        assertEquals(2, backward.size(), "statistics and dq; dk and dv:\n" + low.text());
        for (Kernel k : backward)
            for (Kernel.Buffer buf : k.buffers()) {
                if (low.buffers().containsKey(buf.name())) continue; // a graph value
                assertEquals(List.of(Dim.of(2), Dim.of(4), Dim.of(9)), buf.shape().subList(0, 3), "a temporary of " + k.name() + ": " + buf);
                assertTrue(buf.numel().value() <= 2 * 4 * 9 * 2, buf.toString());
            }
        // D_i = dout_i . O_i from the forward's output, which the graph computes first
        Op forward = grads.graph().ops().stream().filter(x -> x.kind() == OpKind.ATTENTION).findFirst().orElseThrow();
        assertTrue(backward.getFirst().buffers().stream().anyMatch(x -> x.name().equals("v" + forward.result().id())),
                "the query rows read the forward's output:\n" + low.text());
        String text = low.text();
        assertTrue(text.contains("for %i0_t in 0 .. div(add(max(sub(9, %j), 0), 7), 8)") && text.contains("local %i0: i64 = add(%j, mul(%i0_t, 8))"),
                "a key row visits the queries from the diagonal on, a tile of 8 at a time:\n" + text);
        assertFalse(text.contains("le(%j, %i)"), "the visited keys need no mask test:\n" + text);
    }

    /** A score modifier whose derivative region is missing is refused by name when lowering, not miscompiled as score' = 1. */
    @Test
    void aScoredGradientWithoutItsDerivativeRegionIsRefusedByName() {
        GraphBuilder b = new GraphBuilder("no_score_grad");
        TensorType t = TensorType.of(DType.F32, 1, 2, 3, 4);
        Value q = b.input("q", t), k = b.input("k", t), v = b.input("v", t), dout = b.input("dout", t);
        Region score = b.region("score", List.of(I64, I64, I64, I64, F32), a -> b.op(OpKind.TANH, a.get(4)));
        Value dq = b.op(OpKind.ATTENTION_GRAD, List.of(q, k, v, dout), Map.of("wrt", new Attr.Str("q")), null, List.of(score));
        Graph g = b.build(List.of(dq));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> GraphLowering.of(g));
        assertTrue(e.getMessage().contains("score_grad"), e.getMessage());
    }
}
