package strata.compiler.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;

import java.util.List;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.DType;

class KernelTextTest {
    private static final String ADD_EXP = """
            kernel @add_exp(%x: f32[N, 768] in, %y: f32[N, 768] in, %out: f32[N, 768] out) sizes(N) {
              parallel for %i in 0 .. N {
                vector(16) for %j in 0 .. 768 {
                  store %out[%i, %j] = add(exp(%x[%i, %j]), %y[%i, %j])
                }
              }
              local %acc: f32 = 0.0
              for %k in 0 .. N * 2 {
                %acc = max(%acc, cast<f32>(%k))
              }
              unroll(4) for %u in 1 .. N - 1 {
                store %out[sub(%u, 1), 0] = select(lt(%acc, 1.0e-5), -inf, %acc)
              }
            }
            """;

    @Test
    void handWrittenKernelPrintsBackVerbatim() {
        Kernel k = KernelParser.parse(ADD_EXP);
        assertEquals(ADD_EXP, KernelPrinter.print(k));
        assertEquals(List.of(), KernelVerifier.verify(k));
    }

    @Test
    void printedKernelParsesBackToTheSameKernelAndVerifies() {
        qt().withExamples(1000).forAll(RandomKernels.kernels()).checkAssert(k -> {
            String text = KernelPrinter.print(k);
            Kernel back = KernelParser.parse(text);
            assertEquals(text, KernelPrinter.print(back));
            assertEquals(k, back, text);
            assertEquals(List.of(), KernelVerifier.verify(k), text);
        });
    }

    @Test
    void severalKernelsParseInOrder() {
        qt().withExamples(100).forAll(RandomKernels.kernels(), RandomKernels.kernels()).checkAssert((a, b) -> {
            String text = KernelPrinter.print(List.of(a, b));
            assertEquals(List.of(a, b), KernelParser.parseAll(text));
        });
    }

    @Test
    void constantsCarryTheirTypeOnlyWhenTheLiteralDoesNot() {
        assertEquals("3", KernelPrinter.expr(KExpr.i64(3)));
        assertEquals("3 : i32", KernelPrinter.expr(new KExpr.Const(3, DType.I32)));
        assertEquals("3.0", KernelPrinter.expr(new KExpr.Const(3, DType.F32)));
        assertEquals("1.0e-5 : f16", KernelPrinter.expr(new KExpr.Const(1e-5, DType.F16)));
        assertEquals("-inf", KernelPrinter.expr(new KExpr.Const(Double.NEGATIVE_INFINITY, DType.F32)));
        assertEquals("nan : bf16", KernelPrinter.expr(new KExpr.Const(Double.NaN, DType.BF16)));
        assertEquals("true", KernelPrinter.expr(new KExpr.Const(1, DType.BOOL)));
        assertEquals("2.5 : i64", KernelPrinter.expr(new KExpr.Const(2.5, DType.I64)));
    }

    @Test
    void loopBoundsAreInfixAndFallBackToCallsWherePrecedenceWouldNeedParentheses() {
        KExpr n = new KExpr.Size("N"), one = KExpr.i64(1), two = KExpr.i64(2);
        KExpr nMinus1 = KExpr.binary(ScalarOp.SUB, n, one);
        record Case(KExpr hi, String text) {}
        for (Case c : List.of(
                new Case(KExpr.binary(ScalarOp.MUL, n, two), "N * 2"),
                new Case(KExpr.binary(ScalarOp.ADD, KExpr.binary(ScalarOp.MUL, n, two), one), "N * 2 + 1"),
                new Case(KExpr.binary(ScalarOp.MUL, nMinus1, two), "sub(N, 1) * 2"),
                new Case(KExpr.binary(ScalarOp.SUB, n, nMinus1), "N - sub(N, 1)"),
                new Case(KExpr.binary(ScalarOp.ADD, n, KExpr.i64(-1)), "N + -1"),
                new Case(KExpr.binary(ScalarOp.MAX, n, one), "max(N, 1)"))) {
            Kernel k = new Kernel("b", List.of(), List.of("N"), List.of(new KStmt.Loop("i", KExpr.i64(0), c.hi(), KStmt.LoopKind.SERIAL, 0, List.of())));
            String text = KernelPrinter.print(k);
            assertEquals("kernel @b() sizes(N) {\n  for %i in 0 .. " + c.text() + " {\n  }\n}\n", text);
            assertEquals(k, KernelParser.parse(text));
        }
    }
}
