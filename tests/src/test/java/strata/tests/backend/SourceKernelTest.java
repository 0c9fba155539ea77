package strata.tests.backend;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import strata.runtime.CpuExecutable;
import strata.runtime.KernelPool;

/** Sources: const and iota are materialized where a whole-tensor kernel or an output needs them; random is refused by name. */
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
    void randomIsRefusedWithTheReason() {
        GraphBuilder b = new GraphBuilder("random");
        Value u = b.op(OpKind.RANDOM, List.of(), Map.of("seed", new Attr.Int(1)), TensorType.of(DType.F32, 4), List.of());
        Graph g = b.build(List.of(u));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> CpuExecutable.compile(g, POOL));
        assertTrue(e.getMessage().startsWith("the CPU backend has no kernel for `random`"), e.getMessage());
    }
}
