package strata.compiler.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.kernel.KStmt.LoopKind;

/** One kernel per rule, each breaking only that rule; a diagnostic names the statement and the law. */
class KernelVerifierTest {
    private static final String HEADER = "kernel @k(%x: f32[N, 4] in, %y: f32[N, 4] out, %z: f32[N] inout) sizes(N) {\n";

    private static List<String> diagnostics(String body) {
        return KernelVerifier.verify(KernelParser.parse(HEADER + body + "}\n"));
    }

    private static void assertReports(String expected, List<String> diagnostics) {
        assertEquals(1, diagnostics.size(), diagnostics.toString());
        assertTrue(diagnostics.getFirst().contains(expected), diagnostics.getFirst());
    }

    private static void assertReports(String expected, String body) { assertReports(expected, diagnostics(body)); }

    private static Kernel kernel(KStmt... body) {
        return new Kernel("k", List.of(new Kernel.Buffer("y", DType.I64, List.of(Dim.of(4)), Kernel.Access.OUT)), List.of(), List.of(body));
    }

    private static KStmt.Loop loop(String var, LoopKind kind, int width, KStmt... body) {
        return new KStmt.Loop(var, KExpr.i64(0), KExpr.i64(4), kind, width, List.of(body));
    }

    @Test
    void wellFormedKernelHasNoDiagnostics() {
        assertEquals(List.of(), diagnostics("""
                parallel for %i in 0 .. N {
                  local %s: f32 = 0.0
                  unroll(2) for %j in 0 .. 4 {
                    %s = add(%s, %x[%i, %j])
                  }
                  store %z[%i] = add(%z[%i], %s)
                }
                """));
    }

    @Test
    void loopVariableIsOnlyInScopeInsideItsLoop() {
        KStmt after = new KStmt.Store("y", List.of(KExpr.i64(0)), new KExpr.Var("i", DType.I64));
        assertReports("use of %i, which is not declared in scope", KernelVerifier.verify(kernel(loop("i", LoopKind.SERIAL, 0), after)));
    }

    @Test
    void localMustBeDeclaredBeforeItIsAssigned() {
        assertReports("assignment to %s, which is not a declared local in scope", "%s = 1.0\nlocal %s: f32 = 0.0\n");
    }

    @Test
    void namesAreNotRedeclaredWhileInScope() {
        assertReports("redeclaration of %s", "local %s: f32 = 0.0\nlocal %s: f32 = 1.0\n");
        assertReports("redeclaration of %i", "for %i in 0 .. 4 {\n  for %i in 0 .. 4 {\n  }\n}\n");
        assertEquals(List.of(), diagnostics("for %i in 0 .. 4 {\n}\nfor %i in 0 .. 4 {\n}\n"));
    }

    @Test
    void loopVariablesAreNotAssigned() {
        assertReports("assignment to loop variable %i", "for %i in 0 .. 4 {\n  %i = 1\n}\n");
    }

    @Test
    void loadsAndStoresNameKnownBuffers() {
        KStmt store = new KStmt.Store("w", List.of(), KExpr.i64(0));
        assertReports("store to unknown buffer %w", KernelVerifier.verify(kernel(store)));
    }

    @Test
    void indexCountIsTheBuffersRank() {
        assertReports("%x has rank 2 but is indexed with 1 indices", "store %z[0] = %x[0]\n");
    }

    @Test
    void indicesAreI64() {
        assertReports("index `1 : i32` of %z is i32, not i64", "store %z[1 : i32] = 0.0\n");
    }

    @Test
    void storesOnlyWriteOutputBuffers() {
        assertReports("store to %x, an in buffer", "store %x[0, 0] = 1.0\n");
    }

    @Test
    void loadsOnlyReadInputBuffers() {
        assertReports("load from %y, an out buffer", "store %z[0] = %y[0, 0]\n");
    }

    @Test
    void binaryOperandsHaveOneType() {
        assertReports("add of f32 and i64 in `add(%z[0], 1)`", "store %z[0] = add(%z[0], 1)\n");
    }

    @Test
    void comparisonsGiveBoolAndStoresWriteTheBuffersDtype() {
        assertReports("stores bool into %z of f32", "store %z[0] = lt(%z[0], 1.0)\n");
    }

    @Test
    void logicIsOnBool() {
        assertReports("and needs bool operands, not f32", "local %b: f32 = and(1.0, 2.0)\n");
        assertReports("not needs bool operands, not i64", "local %b: i64 = not(1)\n");
    }

    @Test
    void transcendentalsAreOnFloats() {
        assertReports("exp needs float operands, not i64", "local %b: i64 = exp(1)\n");
    }

    @Test
    void selectConditionIsBool() {
        assertReports("select's condition is f32, not bool", "store %z[0] = select(1.0, 2.0, 3.0)\n");
        assertReports("select of f32 and i64", "local %b: f32 = select(true, 2.0, 3)\n");
    }

    @Test
    void localsHoldTheirDeclaredType() {
        assertReports("local %s is f32 but its initial value is i64", "local %s: f32 = 0\n");
        assertReports("local %s is f32 but is assigned i64", "local %s: f32 = 0.0\n%s = 1\n");
    }

    @Test
    void recordTypesMatchTheRules() {
        KExpr wrong = new KExpr.Binary(ScalarOp.LT, KExpr.i64(1), KExpr.i64(2), DType.I64);
        assertReports("`lt(1, 2)` is typed i64, not bool", KernelVerifier.verify(kernel(new KStmt.Store("y", List.of(KExpr.i64(0)), wrong))));
    }

    @Test
    void atMostOneParallelLoop() {
        assertReports("a kernel has at most one parallel loop", "parallel for %i in 0 .. N {\n}\nparallel for %j in 0 .. N {\n}\n");
    }

    @Test
    void parallelLoopIsOutermost() {
        assertReports("a parallel loop must be an outermost statement", "for %i in 0 .. N {\n  parallel for %j in 0 .. 4 {\n  }\n}\n");
    }

    @Test
    void vectorWidthIsAPositivePowerOfTwo() {
        assertReports("vector width 6 is not a positive power of two", "vector(6) for %i in 0 .. N {\n}\n");
        assertReports("vector width 0 is not a positive power of two", "vector(0) for %i in 0 .. N {\n}\n");
        assertReports("unroll factor 0 is not positive", "unroll(0) for %i in 0 .. N {\n}\n");
        assertReports("a serial loop has no width, found 3", KernelVerifier.verify(kernel(loop("i", LoopKind.SERIAL, 3))));
    }

    @Test
    void loopBoundsAreI64() {
        assertReports("loop bounds must be i64", "for %i in 0 .. 4.0 {\n}\n");
    }

    @Test
    void sizesAreDeclared() {
        assertReports("size `M` is not declared in sizes(...)", "for %i in 0 .. M {\n}\n");
        Kernel k = KernelParser.parse("kernel @k(%x: f32[M, 4] in) sizes(N) {\n}\n");
        assertReports("buffer %x has undeclared size `M` in its shape", KernelVerifier.verify(k));
    }
}
