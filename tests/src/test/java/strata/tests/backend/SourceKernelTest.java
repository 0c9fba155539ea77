package strata.tests.backend;


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

/** Sources: const, iota and random are materialized where a whole-tensor kernel or an output needs them. */
class SourceKernelTest {
    private static final KernelPool POOL = new KernelPool(2);

    @AfterAll
    static void close() { POOL.close(); }

    @Test
    void constAndIotaReadByMatmulGatherOrReturnedAreMaterialized() {
        GraphBuilder b = new GraphBuilder("sources");
        Value x = b.input("x", new TensorType(DType.F32, List.of(Dim.sym("N"), Dim.of(5))));
        Value ones = b.constant(0.5, TensorType.of(DType.F32, 5, 3));
        Value iota = b.op(OpKind.IOTA, List.of(), Map.of("axis", new Attr.Int(0)), TensorType.of(DType.I64, 4), List.of());
        Value table = b.param("table", TensorType.of(DType.F32, 7, 2));
        Value mm = b.op(OpKind.MATMUL, x, ones);
        Value rows = b.op(OpKind.GATHER, List.of(table, iota), Map.of("axis", new Attr.Int(0)));
        Graph g = b.build(List.of(mm, rows, iota, ones));
        Random r = new Random(3);
        Compiled.assertMatches(g, Map.of("x", Compiled.normal(r, 1, 6, 5)), Map.of("table", Compiled.normal(r, 1, 7, 2)), 1e-5, 1e-5, POOL);
    }

    @Test
    void randomReadWholeByAMatmulIsMaterialized() {
        GraphBuilder b = new GraphBuilder("random_weights");
        Value x = b.input("x", new TensorType(DType.F32, List.of(Dim.sym("N"), Dim.of(5))));
        Value w = b.op(OpKind.RANDOM, List.of(), Map.of("seed", new Attr.Int(1), "dist", new Attr.Str("normal")), TensorType.of(DType.F32, 5, 3), List.of());
        Graph g = b.build(List.of(b.op(OpKind.MATMUL, x, w)));
        Compiled.assertMatches(g, Map.of("x", Compiled.normal(new Random(5), 1, 4, 5)), Map.of(), 1e-5, 1e-5, POOL);
    }
}
