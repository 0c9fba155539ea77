package strata.tests.backend;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

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
import strata.runtime.KernelPool;

/** matmul, compiled, equals the interpreter for both transposes and broadcast batch dims, to 1e-4 (f32 sums). */
class ContractionKernelTest {
    private static final KernelPool POOL = new KernelPool(2);

    @AfterAll
    static void close() { POOL.close(); }

    @Test
    void batchedMatmulWithTransposesAndBroadcastBatchEqualsTheInterpreter() {
        qt().withExamples(25).forAll(longs().all(), integers().between(1, 37), integers().between(1, 37), integers().between(1, 37))
                .checkAssert((seed, m, k, n) -> {
                    Random r = new Random(seed);
                    boolean ta = r.nextBoolean(), tb = r.nextBoolean();
                    int h = 1 + r.nextInt(3);
                    GraphBuilder b = new GraphBuilder("matmul");
                    Value a = b.input("a", new TensorType(DType.F32, List.of(Dim.sym("B"), Dim.of(h), Dim.of(ta ? k : m), Dim.of(ta ? m : k))));
                    // the weight broadcasts over the batch (rank 2) or over the first batch axis only ([1, h, ..])
                    boolean rank2 = r.nextBoolean();
                    TensorType wt = rank2 ? TensorType.of(DType.F32, tb ? n : k, tb ? k : n) : TensorType.of(DType.F32, 1, h, tb ? n : k, tb ? k : n);
                    Value w = b.param("w", wt);
                    Value c = b.op(OpKind.MATMUL, List.of(a, w), Map.of("transpose_a", new Attr.Bool(ta), "transpose_b", new Attr.Bool(tb)));
                    Graph g = b.build(List.of(c));
                    long bs = 1 + r.nextInt(3);
                    Compiled.assertMatches(g, Map.of("a", Compiled.normal(r, 1, bs, h, ta ? k : m, ta ? m : k)),
                            Map.of("w", Compiled.normal(r, 1, wt.concreteShape(Map.of()))), 1e-4, 1e-4, POOL);
                });
    }
}
