package strata.tests.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

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
import strata.compiler.lower.GraphLowering;
import strata.runtime.KernelPool;

/**
 * A weight's gradient {@code matmul(X, dY) {transpose_a}} over a batch's rows (X [R, M], dY [R, N])
 * runs as the tuned GEMM reading X in place, with no transposing copy, with and without an
 * epilogue (a bias, or a residual such as a gradient accumulated over two uses of a weight), and
 * equals the interpreter.
 */
class TransposedGemmTest {
    private static final KernelPool POOL = new KernelPool(2);

    @AfterAll
    static void close() { POOL.close(); }

    /**
     * X^T dY (with dY given as [N, R] when {@code tb}), plus a bias (which 1), a residual (2), or
     * a second product X^T dY2 (3: the gradient of a weight used twice, a temporary residual;
     * the result is summed over its rows, so that it is a temporary too and may take its memory).
     */
    private static Graph graph(long m, long n, boolean tb, int which) {
        GraphBuilder b = new GraphBuilder("wgrad");
        Dim rows = Dim.sym("R");
        Value x = b.input("x", new TensorType(DType.F32, List.of(rows, Dim.of(m))));
        Value dy = b.input("dy", new TensorType(DType.F32, tb ? List.of(Dim.of(n), rows) : List.of(rows, Dim.of(n))));
        Value c = b.op(OpKind.MATMUL, List.of(x, dy), Map.of("transpose_a", new Attr.Bool(true), "transpose_b", new Attr.Bool(tb)));
        Value out = switch (which) {
            case 1 -> b.op(OpKind.ADD, c, b.input("bias", TensorType.of(DType.F32, n)));
            case 2 -> b.op(OpKind.ADD, b.input("r", TensorType.of(DType.F32, m, n)), c);
            case 3 -> b.op(OpKind.SUM, List.of(b.op(OpKind.ADD, c, b.op(OpKind.MATMUL, List.of(x, b.input("dy2", dy.type())),
                    Map.of("transpose_a", new Attr.Bool(true), "transpose_b", new Attr.Bool(tb))))), Map.of("axes", new Attr.Ints(List.of(0L))));
            default -> c;
        };
        return b.build(List.of(out));
    }

    @Test
    void weightGradientIsOneGemmWithNoTransposingCopy() {
        for (int which = 0; which < 4; which++) {
            GraphLowering l = GraphLowering.of(graph(7, 5, false, which));
            List<GraphLowering.Gemm> gemms = l.steps().stream().filter(s -> s instanceof GraphLowering.Gemm).map(s -> (GraphLowering.Gemm) s).toList();
            assertEquals(which == 3 ? 2 : 1, gemms.size(), l.text());
            assertTrue(gemms.stream().allMatch(GraphLowering.Gemm::transposeA), "the GEMM reads X as [R, M]");
            assertTrue(l.kernels().stream().noneMatch(k -> k.name().contains("add")), "the add is the GEMM's epilogue:\n" + l.text());
            assertTrue(l.kernels().stream().noneMatch(k -> k.name().contains("permute")), "no permute kernel:\n" + l.text());
        }
        // the first product is a temporary that dies at the second GEMM, which accumulates into its memory
        GraphLowering l = GraphLowering.of(graph(7, 5, false, 3));
        assertTrue(l.steps().stream().anyMatch(s -> s instanceof GraphLowering.InPlace), "an in-place residual epilogue");
        GraphLowering.Gemm g = l.steps().stream().filter(s -> s instanceof GraphLowering.Gemm m && m.residual() != null)
                .map(s -> (GraphLowering.Gemm) s).findFirst().orElseThrow();
        assertTrue(g.transposeA(), "the in-place form keeps the transposed A");
    }

    @Test
    void transposedAGemmEqualsTheInterpreterOnOddShapes() {
        qt().withExamples(30).forAll(integers().between(1, 90), integers().between(1, 70), integers().between(1, 300), integers().between(0, 7))
                .checkAssert((m, n, rows, variant) -> {
                    boolean tb = variant >= 4;
                    int which = variant % 4;
                    Graph g = graph(m, n, tb, which);
                    Random r = new Random(m * 1009L + n * 31L + rows + variant);
                    Map<String, strata.compiler.interp.RefTensor> in = new java.util.HashMap<>();
                    in.put("x", Compiled.normal(r, 1, rows, m));
                    in.put("dy", tb ? Compiled.normal(r, 1, n, rows) : Compiled.normal(r, 1, rows, n));
                    if (which == 1) in.put("bias", Compiled.normal(r, 1, n));
                    if (which == 2) in.put("r", Compiled.normal(r, 1, m, n));
                    if (which == 3) in.put("dy2", tb ? Compiled.normal(r, 1, n, rows) : Compiled.normal(r, 1, rows, n));
                    // sums over up to 300 rows of products of unit normals: an absolute slack for f32 rounding
                    Compiled.assertMatches(g, in, Map.of(), 1e-4, 1e-4, POOL);
                });
    }
}
