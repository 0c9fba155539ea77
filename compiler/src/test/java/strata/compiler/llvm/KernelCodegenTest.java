package strata.compiler.llvm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.KStmt;
import strata.compiler.kernel.Kernel;
import strata.compiler.kernel.ScalarOp;

/** Kernels of the kernel dialect, compiled by LLVM and called through FFM, against plain Java. */
class KernelCodegenTest {
    private static Jit jit;
    private static MethodHandle rowSoftmaxLike, broadcastAdd;

    private static KExpr v(String n) { return new KExpr.Var(n, DType.I64); }

    /** out[i, j] = exp(x[i, j] - max_j x[i, :]) / sum_j exp(...), rows split across calls. */
    static Kernel softmax() {
        KExpr xij = new KExpr.Load("x", List.of(v("i"), v("j")), DType.F32);
        KExpr mx = new KExpr.Var("mx", DType.F32), sum = new KExpr.Var("sum", DType.F32);
        KExpr e = KExpr.unary(ScalarOp.EXP, KExpr.binary(ScalarOp.SUB, xij, mx));
        KStmt.Loop row = new KStmt.Loop("i", KExpr.i64(0), new KExpr.Size("N"), KStmt.LoopKind.PARALLEL, 0, List.of(
                new KStmt.Local("mx", DType.F32, new KExpr.Const(Double.NEGATIVE_INFINITY, DType.F32)),
                new KStmt.Loop("j", KExpr.i64(0), new KExpr.Size("D"), KStmt.LoopKind.SERIAL, 0,
                        List.of(new KStmt.Assign("mx", KExpr.binary(ScalarOp.MAX, mx, xij)))),
                new KStmt.Local("sum", DType.F32, new KExpr.Const(0, DType.F32)),
                new KStmt.Loop("j", KExpr.i64(0), new KExpr.Size("D"), KStmt.LoopKind.SERIAL, 0,
                        List.of(new KStmt.Assign("sum", KExpr.binary(ScalarOp.ADD, sum, e)))),
                new KStmt.Loop("j", KExpr.i64(0), new KExpr.Size("D"), KStmt.LoopKind.VECTOR, 16,
                        List.of(new KStmt.Store("out", List.of(v("i"), v("j")), KExpr.binary(ScalarOp.DIV, e, sum))))));
        List<Dim> shape = List.of(Dim.sym("N"), Dim.sym("D"));
        return new Kernel("softmax_rows", List.of(new Kernel.Buffer("x", DType.F32, shape, Kernel.Access.IN),
                new Kernel.Buffer("out", DType.F32, shape, Kernel.Access.OUT)), List.of("N", "D"), List.of(row));
    }

    /** out[i, j] = a[i, j] + b[j] (a bias broadcast over rows). */
    static Kernel broadcastAddKernel() {
        KExpr sum = KExpr.binary(ScalarOp.ADD, new KExpr.Load("a", List.of(v("i"), v("j")), DType.F32),
                new KExpr.Load("b", List.of(v("j")), DType.F32));
        KStmt body = new KStmt.Loop("i", KExpr.i64(0), new KExpr.Size("N"), KStmt.LoopKind.PARALLEL, 0, List.of(
                new KStmt.Loop("j", KExpr.i64(0), new KExpr.Size("D"), KStmt.LoopKind.VECTOR, 16,
                        List.of(new KStmt.Store("out", List.of(v("i"), v("j")), sum)))));
        List<Dim> nd = List.of(Dim.sym("N"), Dim.sym("D"));
        return new Kernel("bias_add", List.of(new Kernel.Buffer("a", DType.F32, nd, Kernel.Access.IN),
                new Kernel.Buffer("b", DType.F32, List.of(Dim.sym("D")), Kernel.Access.IN),
                new Kernel.Buffer("out", DType.F32, nd, Kernel.Access.OUT)), List.of("N", "D"), List.of(body));
    }

    @BeforeAll
    static void compile() {
        IrModule m = new IrModule("kernels");
        KernelCodegen.emit(m, softmax());
        KernelCodegen.emit(m, broadcastAddKernel());
        m.optimize();
        jit = new Jit();
        jit.add(m);
        FunctionDescriptor entry = FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG);
        rowSoftmaxLike = Linker.nativeLinker().downcallHandle(jit.lookup("softmax_rows"), entry);
        broadcastAdd = Linker.nativeLinker().downcallHandle(jit.lookup("bias_add"), entry);
    }

    @AfterAll
    static void close() { jit.close(); }

    private static MemorySegment pointers(Arena a, MemorySegment... bufs) {
        MemorySegment p = a.allocate(ADDRESS, bufs.length);
        for (int i = 0; i < bufs.length; i++) p.setAtIndex(ADDRESS, i, bufs[i]);
        return p;
    }

    private static MemorySegment longs(Arena a, long... v) {
        MemorySegment p = a.allocate(JAVA_LONG, v.length);
        for (int i = 0; i < v.length; i++) p.setAtIndex(JAVA_LONG, i, v[i]);
        return p;
    }

    @Test
    void compiledSoftmaxMatchesJavaOnOddShapesWhenRowsAreSplitAcrossCalls() {
        qt().withExamples(40).forAll(integers().between(1, 37), integers().between(1, 300), integers().between(0, 37))
                .checkAssert((n, d, cut) -> {
                    try (Arena a = Arena.ofConfined()) {
                        MemorySegment x = a.allocate(JAVA_FLOAT, (long) n * d), out = a.allocate(JAVA_FLOAT, (long) n * d);
                        for (int i = 0; i < n * d; i++) x.setAtIndex(JAVA_FLOAT, i, (float) Math.sin(i * 0.7) * 5);
                        MemorySegment bufs = pointers(a, x, out), sizes = longs(a, n, d);
                        long c = Math.min(cut, n);
                        rowSoftmaxLike.invokeExact(bufs, sizes, 0L, c);
                        rowSoftmaxLike.invokeExact(bufs, sizes, c, (long) n);
                        for (int i = 0; i < n; i++) {
                            double mx = Double.NEGATIVE_INFINITY, s = 0;
                            for (int j = 0; j < d; j++) mx = Math.max(mx, x.getAtIndex(JAVA_FLOAT, (long) i * d + j));
                            for (int j = 0; j < d; j++) s += Math.exp(x.getAtIndex(JAVA_FLOAT, (long) i * d + j) - mx);
                            for (int j = 0; j < d; j++) {
                                double want = Math.exp(x.getAtIndex(JAVA_FLOAT, (long) i * d + j) - mx) / s;
                                assertEquals(want, out.getAtIndex(JAVA_FLOAT, (long) i * d + j), 1e-6 + 1e-5 * want);
                            }
                        }
                    } catch (Throwable t) {
                        throw new AssertionError(t);
                    }
                });
    }

    @Test
    void broadcastBiasAddIsExact() throws Throwable {
        int n = 7, d = 33;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment x = a.allocate(JAVA_FLOAT, n * d), b = a.allocate(JAVA_FLOAT, d), out = a.allocate(JAVA_FLOAT, n * d);
            for (int i = 0; i < n * d; i++) x.setAtIndex(JAVA_FLOAT, i, i * 0.25f);
            for (int j = 0; j < d; j++) b.setAtIndex(JAVA_FLOAT, j, -j);
            broadcastAdd.invokeExact(pointers(a, x, b, out), longs(a, n, d), 0L, (long) n);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < d; j++) assertEquals((i * d + j) * 0.25f - j, out.getAtIndex(JAVA_FLOAT, i * d + j));
        }
    }
}
