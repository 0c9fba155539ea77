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
}
