package strata.tests.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.Collections;
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

/** Movement ops, compiled, equal the interpreter exactly (they copy) on random shapes with odd extents. */
class MovementKernelTest {
    private static final KernelPool POOL = new KernelPool(2);

    @AfterAll
    static void close() { POOL.close(); }

    private static TensorType x(int d1, int d2) { return new TensorType(DType.F32, List.of(Dim.sym("N"), Dim.of(d1), Dim.of(d2))); }

    @Test
    void permuteBroadcastPadAndConcatEqualTheInterpreter() {
        qt().withExamples(20).forAll(longs().all(), integers().between(1, 4), integers().between(1, 9), integers().between(1, 37))
                .checkAssert((seed, n, d1, d2) -> {
                    Random r = new Random(seed);
                    GraphBuilder b = new GraphBuilder("move");
                    Value in = b.input("x", x(d1, d2));
                    List<Long> perm = new ArrayList<>(List.of(0L, 1L, 2L));
                    Collections.shuffle(perm, r);
                    Value p = b.op(OpKind.PERMUTE, List.of(in), Map.of("perm", new Attr.Ints(perm)));
                    Value row = b.param("row", TensorType.of(DType.F32, 1, d2));
                    Value bc = b.op(OpKind.BROADCAST, List.of(row), Map.of(), x(d1, d2), List.of());
                    int axis = r.nextInt(3);
                    Value padded = b.op(OpKind.PAD, List.of(in), Map.of("axis", new Attr.Int(axis), "before", new Attr.Int(r.nextInt(3)),
                            "after", new Attr.Int(r.nextInt(3)), "value", new Attr.Float(-1.5)));
                    Value cat = b.op(OpKind.CONCAT, List.of(in, bc, in), Map.of("axis", new Attr.Int(axis - 3)));
                    Graph g = b.build(List.of(p, bc, padded, cat));
                    Compiled.assertMatches(g, Map.of("x", Compiled.normal(r, 1, n, d1, d2)), Map.of("row", Compiled.normal(r, 1, 1, d2)), 0, 0, POOL);
                });
    }

    @Test
    void slicesWithSymbolicBoundsEqualTheInterpreter() {
        qt().withExamples(15).forAll(longs().all(), integers().between(2, 9), integers().between(1, 37))
                .checkAssert((seed, t, d) -> {
                    Random r = new Random(seed);
                    GraphBuilder b = new GraphBuilder("slice");
                    Value in = b.input("x", new TensorType(DType.F32, List.of(Dim.sym("T"), Dim.of(d))));
                    // the last T - 1 rows, and every other column from 1
                    Value tail = b.op(OpKind.SLICE, List.of(in), Map.of("axis", new Attr.Int(0), "start", new Attr.Int(1),
                            "end", new Attr.DimAttr(Dim.sym("T"))));
                    Value cols = b.op(OpKind.SLICE, List.of(tail), Map.of("axis", new Attr.Int(1), "start", new Attr.Int(Math.min(1, d - 1)),
                            "end", new Attr.Int(d), "step", new Attr.Int(2)));
                    Graph g = b.build(List.of(tail, cols));
                    Compiled.assertMatches(g, Map.of("x", Compiled.normal(r, 1, t, d)), Map.of(), 0, 0, POOL);
                });
    }

    @Test
    void aSliceWhoseSymbolicEndPassesTheExtentIsRefusedBeforeAnyKernelRuns() {
        GraphBuilder b = new GraphBuilder("slice");
        Value in = b.input("x", new TensorType(DType.F32, List.of(Dim.sym("T"), Dim.of(3))));
        Value k = b.input("k", new TensorType(DType.F32, List.of(Dim.sym("S"))));
        Value s = b.op(OpKind.SLICE, List.of(in), Map.of("axis", new Attr.Int(0), "start", new Attr.Int(0), "end", new Attr.DimAttr(Dim.sym("S"))));
        Graph g = b.build(List.of(s, k));
        Random r = new Random(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Compiled.run(g, Map.of("x", Compiled.normal(r, 1, 4, 3), "k", Compiled.normal(r, 1, 6)), Map.of(), POOL));
        assertTrue(e.getMessage().contains("the end is past the extent"), e.getMessage());
    }

    @Test
    void gatherAndScatterAddWithRepeatedIndicesEqualTheInterpreter() {
        qt().withExamples(20).forAll(longs().all(), integers().between(1, 4), integers().between(1, 9), integers().between(1, 37))
                .checkAssert((seed, n, v, d) -> {
                    Random r = new Random(seed);
                    GraphBuilder b = new GraphBuilder("gather");
                    Value table = b.param("table", TensorType.of(DType.F32, v, d));
                    Value ids = b.input("ids", new TensorType(DType.I32, List.of(Dim.sym("N"), Dim.of(3))));
                    Value emb = b.op(OpKind.GATHER, List.of(table, ids), Map.of("axis", new Attr.Int(0)));
                    Value cols = b.op(OpKind.GATHER, List.of(table, ids), Map.of("axis", new Attr.Int(1)));
                    Value upd = b.input("upd", new TensorType(DType.F32, List.of(Dim.sym("N"), Dim.of(3), Dim.of(d))));
                    Value sc = b.op(OpKind.SCATTER_ADD, List.of(table, ids, upd), Map.of("axis", new Attr.Int(0)));
                    Graph g = b.build(List.of(emb, cols, sc));
                    Map<String, RefTensor> in = Map.of("ids", Compiled.ints(r, DType.I32, 0, Math.min(v, d), n, 3), "upd", Compiled.normal(r, 1, n, 3, d));
                    Compiled.assertMatches(g, in, Map.of("table", Compiled.normal(r, 1, v, d)), 1e-6, 1e-6, POOL);
                });
    }

    @Test
    void anOutOfRangeGatherIndexReadsTheClampedRowNeverOutOfBounds() {
        GraphBuilder b = new GraphBuilder("gather");
        Value table = b.param("table", TensorType.of(DType.F32, 3, 2));
        Value ids = b.input("ids", TensorType.of(DType.I64, 3));
        Graph g = b.build(List.of(b.op(OpKind.GATHER, List.of(table, ids), Map.of("axis", new Attr.Int(0)))));
        RefTensor t = RefTensor.of(new long[] {3, 2}, 0, 1, 10, 11, 20, 21);
        RefTensor got = Compiled.run(g, Map.of("ids", RefTensor.of(DType.I64, new long[] {3}, -5, 1, 1_000_000)), Map.of("table", t), POOL).getFirst();
        assertEquals(RefTensor.of(new long[] {3, 2}, 0, 1, 10, 11, 20, 21), got);
    }

    @Test
    void aReshapeSharesItsOperandsMemoryAndRunsNoKernel() {
        GraphBuilder b = new GraphBuilder("reshape");
        Value in = b.input("x", new TensorType(DType.F32, List.of(Dim.sym("N"), Dim.of(6))));
        Value flat = b.op(OpKind.RESHAPE, List.of(in), Map.of(), new TensorType(DType.F32, List.of(Dim.sym("N").times(3), Dim.of(2))), List.of());
        Value e = b.op(OpKind.EXP, in);
        Value back = b.op(OpKind.RESHAPE, List.of(e), Map.of(), new TensorType(DType.F32, List.of(Dim.sym("N"), Dim.of(3), Dim.of(2))), List.of());
        Graph g = b.build(List.of(flat, back));
        try (CpuExecutable exe = CpuExecutable.compile(g, POOL)) {
            assertEquals(1, exe.kernelCount(), "only exp is a kernel");
        }
        Compiled.assertMatches(g, Map.of("x", Compiled.normal(new Random(2), 1, 5, 6)), Map.of(), 1e-6, 1e-6, POOL);
    }
}
