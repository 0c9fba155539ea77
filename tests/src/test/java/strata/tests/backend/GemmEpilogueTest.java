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
import strata.compiler.graph.passes.PassManager;
import strata.compiler.interp.RefTensor;
import strata.compiler.lower.GraphLowering;
import strata.runtime.KernelPool;
import strata.tests.ModelFiles;
import strata.tests.RandomTensors;

/**
 * A bias or a residual added to a matmul, an activation (GELU, SiLU) and a gate multiplied last (the
 * product of SwiGLU) run as the GEMM's epilogue, and equal the interpreter.
 */
class GemmEpilogueTest {
    private static final KernelPool POOL = new KernelPool(2);

    @AfterAll
    static void close() { POOL.close(); }

    private static Graph graph(String forward, int din, int dout) {
        String text = "import prelude\nmodel M {\n  input x: f32[B, T, " + din + "]\n  input r: f32[B, T, " + dout + "]\n"
                + "  lin = Linear(" + din + ", " + dout + ")\n  raw = Linear(" + din + ", " + dout + ", bias = false)\n"
                + "  up = Linear(" + din + ", " + dout + ", bias = false)\n  ffn = SwiGLU(" + din + ", " + dout + ")\n"
                + "  forward { return " + forward + " }\n}\n";
        var b = ModelFiles.buildText("gemm.strata", text, null);
        assertFalse(b.diagnostics().hasErrors(), b.rendered());
        return PassManager.parse("default").run(b.graph());
    }

    private static long gemmsWithInit(Graph g) {
        return GraphLowering.of(g).steps().stream().filter(s -> s instanceof GraphLowering.Gemm m && m.init() != null).count();
    }

    private static List<GraphLowering.Gemm> gemms(Graph g) {
        return GraphLowering.of(g).steps().stream().filter(s -> s instanceof GraphLowering.Gemm).map(s -> (GraphLowering.Gemm) s).toList();
    }

    @Test
    void biasResidualAndGeluBecomeTheGemmsEpilogue() {
        assertEquals(1, gemmsWithInit(graph("lin(x)", 6, 5)));
        assertEquals(1, gemmsWithInit(graph("r + raw(x)", 6, 5)));
        for (String f : List.of("lin(x)", "r + raw(x)", "gelu(lin(x))", "gelu_tanh(lin(x))", "gelu(raw(x))"))
            assertTrue(GraphLowering.of(graph(f, 6, 5)).kernels().isEmpty(), "no kernel left beside the GEMM for " + f);
        assertEquals("gelu_tanh", gemms(graph("gelu_tanh(lin(x))", 6, 5)).getFirst().activation());
        assertEquals("gelu_erf", gemms(graph("gelu(raw(x))", 6, 5)).getFirst().activation());
    }

    @Test
    void siluAndTheSwiGluGateBecomeTheGemmsEpilogue() {
        // silu(x) = x * sigmoid(x) reads the product twice; with a bias, it reads the biased sum twice
        for (String f : List.of("silu(raw(x))", "silu(lin(x))", "silu(raw(x)) * up(x)", "up(x) * silu(raw(x))", "raw(x) * r", "ffn(x)"))
            assertTrue(GraphLowering.of(graph(f, 6, 5)).kernels().isEmpty(), "no kernel left beside the GEMMs for " + f);
        GraphLowering.Gemm lin = gemms(graph("silu(lin(x))", 6, 5)).getFirst();
        assertEquals("silu", lin.activation());
        assertTrue(lin.init() != null && lin.gate() == null);
        // SwiGLU: down(silu(gate(x)) * up(x)) is three GEMMs; the gate GEMM runs after up and multiplies by its result
        List<GraphLowering.Gemm> ffn = gemms(graph("ffn(x)", 6, 5));
        assertEquals(3, ffn.size());
        assertEquals("silu", ffn.get(1).activation());
        assertEquals(ffn.get(0).c(), ffn.get(1).gate());
        assertEquals(ffn.get(1).c(), ffn.get(2).a());
        // a product read elsewhere too must be stored: the silu stays a kernel
        assertFalse(GraphLowering.of(graph("silu(raw(x)) + raw(x)", 6, 5)).kernels().isEmpty());
        // a gate computed in the same group (not a stored value) is left to elementwise fusion
        assertFalse(GraphLowering.of(graph("silu(raw(x)) * sigmoid(r)", 6, 5)).kernels().isEmpty());
    }

    @Test
    void siluAndSwiGluEpiloguesEqualTheInterpreterOnOddShapes() {
        qt().withExamples(20).forAll(integers().between(1, 70), integers().between(1, 45), integers().between(1, 3), integers().between(0, 4))
                .checkAssert((din, dout, t, which) -> {
                    String fwd = switch (which) {
                        case 0 -> "silu(raw(x))";
                        case 1 -> "silu(lin(x)) * r";
                        case 2 -> "up(x) * silu(raw(x))";
                        case 3 -> "raw(x) * r";
                        default -> "ffn(x)";
                    };
                    Graph g = graph(fwd, din, dout);
                    Random rnd = new Random(din * 131L + dout * 7L + t);
                    Map<String, RefTensor> in = new HashMap<>();
                    in.put("x", RandomTensors.gaussian(rnd, 1, 2, t, din));
                    in.put("r", RandomTensors.gaussian(rnd, 1, 2, t, dout));
                    Map<String, RefTensor> params = ModelFiles.randomParams(g, din + dout);
                    Compiled.assertMatches(g, in, params, 1e-5, 1e-5, POOL);
                });
    }

    @Test
    void epiloguesEqualTheInterpreterOnOddShapes() {
        qt().withExamples(20).forAll(integers().between(1, 70), integers().between(1, 45), integers().between(1, 3), integers().between(0, 4))
                .checkAssert((din, dout, t, which) -> {
                    String fwd = switch (which) {
                        case 0 -> "lin(x)";
                        case 1 -> "r + raw(x)";
                        case 2 -> "lin(x) + r";
                        case 3 -> "gelu(lin(x))";
                        default -> "gelu_tanh(raw(x) + r)";
                    };
                    Graph g = graph(fwd, din, dout);
                    Random rnd = new Random(din * 131L + dout * 7L + t);
                    Map<String, RefTensor> in = new HashMap<>();
                    in.put("x", RandomTensors.gaussian(rnd, 1, 2, t, din));
                    in.put("r", RandomTensors.gaussian(rnd, 1, 2, t, dout));
                    Map<String, RefTensor> params = ModelFiles.randomParams(g, din + dout);
                    Compiled.assertMatches(g, in, params, 1e-5, 1e-5, POOL);
                });
    }

}
