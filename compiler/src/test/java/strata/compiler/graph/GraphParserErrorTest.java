package strata.compiler.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GraphParserErrorTest {
    private static IrSyntaxError error(String text) {
        return assertThrows(IrSyntaxError.class, () -> GraphParser.parseAll(text));
    }

    private static void assertError(String expected, String text) {
        assertEquals(expected, error(text).getMessage());
    }

    @Test
    void undefinedValueIsReportedAtItsUse() {
        assertError("3:16: error: use of undefined value %9", """
                graph @g() {
                  %0 = input {name = "x"} : f32[2]
                  %1 = add %0, %9 : f32[2]
                  return %1
                }
                """);
    }

    @Test
    void regionValuesAreNotVisibleAfterTheRegion() {
        IrSyntaxError e = error("""
                graph @g(B, T) {
                  %q = input {name = "q"} : f32[B, 1, T, 2]
                  %o = attention %q, %q, %q {scale = 1.0} : f32[B, 1, T, 2]
                    mask (%b: i64[], %h: i64[], %i: i64[], %j: i64[]) {
                      %c = le %j, %i : bool[]
                      yield %c
                    }
                  return %c
                }
                """);
        assertEquals(List.of(8, 10, "use of undefined value %c"), List.of(e.line(), e.column(), e.reason()));
    }

    @Test
    void unknownOpIsNamed() {
        assertError("2:8: error: unknown op `frobnicate`", "graph @g() {\n  %0 = frobnicate : f32[]\n  return %0\n}");
    }

    @Test
    void writtenTypeMustBeTheInferredOne() {
        assertError("3:17: error: type mismatch: `exp` yields f32[B, 4] but f32[4, B] is written", """
                graph @g(B) {
                  %0 = input {name = "x"} : f32[B, 4]
                  %1 = exp %0 : f32[4, B]
                  return %1
                }
                """);
    }

    @Test
    void shapeErrorsPointAtTheOp() {
        assertError("4:8: error: cannot add f32[B, 4] and f32[3]: axis -1 is 4 on the left and 3 on the right", """
                graph @g(B) {
                  %0 = input {name = "x"} : f32[B, 4]
                  %1 = input {name = "y"} : f32[3]
                  %2 = add %0, %1 : f32[B, 4]
                  return %2
                }
                """);
    }

    @Test
    void dimensionSymbolsMustBeDeclared() {
        assertError("2:36: error: undeclared dimension symbol `T` (declare it in the graph's header)",
                "graph @g(B) {\n  %0 = input {name = \"x\"} : f32[B, T]\n  return %0\n}");
    }

    @Test
    void valuesAreDefinedOnce() {
        assertError("3:3: error: redefinition of value %0",
                "graph @g() {\n  %0 = input {name = \"x\"} : f32[2]\n  %0 = exp %0 : f32[2]\n  return %0\n}");
    }

    @Test
    void unknownElementTypeIsExplained() {
        assertError("2:29: error: unknown dtype `f64` (expected f32, bf16, f16, i32, i64 or bool)",
                "graph @g() {\n  %0 = input {name = \"x\"} : f64[2]\n  return %0\n}");
    }

    @Test
    void declaredTypesCannotBeHoles() {
        assertError("3:21: error: `reshape` needs its result type written out, not `?`",
                "graph @g() {\n  %0 = input {name = \"x\"} : f32[2, 2]\n  %1 = reshape %0 : ?\n  return %1\n}");
    }

    @Test
    void truncatedTextSaysWhatWasExpected() {
        assertError("3:1: error: expected `return`, found the end of the text", "graph @g() {\n  %0 = input {name = \"x\"} : f32[2]\n");
        assertError("2:22: error: unterminated string", "graph @g() {\n  %0 = input {name = \"x} : f32[2]\n  return %0\n}");
        assertError("2:23: error: malformed number `1.2.3`", "graph @g() {\n  %0 = const {value = 1.2.3} : f32[]\n  return %0\n}");
    }

    @Test
    void malformedTextFailsOnlyWithIrSyntaxError() {
        qt().withExamples(1000).forAll(longs().all(), integers().between(0, 1_000_000)).checkAssert((seed, cut) -> {
            String text = GraphPrinter.print(RandomGraphs.generate(seed));
            Random r = new Random(seed ^ cut);
            StringBuilder broken = new StringBuilder(text.substring(0, cut % (text.length() + 1)));
            if (r.nextBoolean() && !broken.isEmpty()) broken.setCharAt(r.nextInt(broken.length()), "%@{}[](),:=?#<>\"x-0.".charAt(r.nextInt(20)));
            try {
                GraphParser.parseAll(broken.toString());
            } catch (IrSyntaxError e) {
                // expected for most cuts: the point is that nothing else escapes
            }
        });
    }
}
