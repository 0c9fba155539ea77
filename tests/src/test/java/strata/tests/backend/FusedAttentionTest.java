package strata.tests.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.interp.RefTensor;
import strata.compiler.kernel.Kernel;
import strata.compiler.lower.GraphLowering;
import strata.runtime.KernelPool;
import strata.tests.ModelFiles;
import strata.tests.RandomTensors;

/** The fused online-softmax attention kernel equals the reference interpreter for every mask kind. */
class FusedAttentionTest {
    private static final KernelPool POOL = new KernelPool(2);

    @AfterAll
    static void close() { POOL.close(); }

    private static final List<String> MASKS = List.of("none", "causal", "causal and padding(len)", "padding(len)",
            "prefix_lm(prefix)", "sliding(3, sinks = 1)", "document(seg)", "not causal or padding(len)");

    static Graph graph(String mask, int h, int hkv, int d) {
        String m = mask.equals("none") ? "" : ", mask = " + mask;
        String text = "import prelude\nmodel A {\n"
                + "  input q: f32[B, " + h + ", T, " + d + "]\n  input k: f32[B, " + hkv + ", T, " + d + "]\n  input v: f32[B, " + hkv + ", T, " + d + "]\n"
                + "  input len: i32[B]\n  input prefix: i32[B]\n  input seg: i32[B, T]\n"
                + "  forward { return attention(q, k, v" + m + ", empty = zeros) }\n}\n";
        var b = ModelFiles.buildText("attn.strata", text, null);
        assertFalse(b.diagnostics().hasErrors(), b.rendered());
        return b.graph();
    }



    @Test
    void fusedAttentionEqualsTheInterpreterForEveryMaskOnOddSizes() {
        qt().withExamples(40).forAll(integers().between(0, MASKS.size() - 1), integers().between(1, 3),
                integers().between(1, 37), integers().between(1, 19)).checkAssert((mi, bs, t, d) -> {
            int hkv = 1 + (t + d) % 2, h = hkv * (1 + t % 3);
            Graph g = graph(MASKS.get(mi), h, hkv, d);
            Random r = new Random(31L * t + d + mi);
            Map<String, RefTensor> in = new HashMap<>();
            in.put("q", RandomTensors.gaussian(r, 2, bs, h, t, d));
            in.put("k", RandomTensors.gaussian(r, 2, bs, hkv, t, d));
            in.put("v", RandomTensors.gaussian(r, 2, bs, hkv, t, d));
            in.put("len", RandomTensors.ints(r, 0, t + 1, bs));       // 0 leaves padding rows empty: they must give zeros
            in.put("prefix", RandomTensors.ints(r, 0, t + 1, bs));
            in.put("seg", RandomTensors.ints(r, 0, 3, bs, t));
            Compiled.assertMatches(g, in, Map.of(), 2e-5, 1e-4, POOL);
        });
    }

    @Test
    void fusedAttentionIsOneKernelWithNoScoreBuffer() {
        Graph g = graph("causal", 4, 2, 8);
        List<Kernel> fused = GraphLowering.of(g).kernels();
        List<Kernel> unfused = GraphLowering.of(g, false).kernels();
        assertEquals(1, fused.size());
        assertEquals(3, unfused.size());
        assertTrue(fused.getFirst().buffers().stream().noneMatch(b -> b.name().endsWith("_scores")), "no T x T buffer");
        assertTrue(unfused.stream().anyMatch(k -> k.buffers().stream().anyMatch(b -> b.name().endsWith("_scores"))));
    }

    @Test
    void aCausalMaskStopsTheKeyLoopAtTheDiagonalAndIsNotEvaluated() {
        String text = GraphLowering.of(graph("causal", 2, 2, 4)).text();
        assertTrue(text.contains("local %k_lo0: i64 = 0") && text.contains("local %k_hi0: i64 = min(add(%i, 1), T)"), text);
        assertFalse(text.contains("k_lo1"), "one loop over the keys:\n" + text);
        assertFalse(text.contains("le(%jk"), "the visited keys need no mask test:\n" + text);
    }
}
