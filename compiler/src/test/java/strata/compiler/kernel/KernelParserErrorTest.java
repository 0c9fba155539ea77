package strata.compiler.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.List;
import org.junit.jupiter.api.Test;

class KernelParserErrorTest {
    private static KernelSyntaxError error(String text) {
        return assertThrows(KernelSyntaxError.class, () -> KernelParser.parseAll(text));
    }

    private static void assertError(String expected, String text) {
        assertEquals(expected, error(text).getMessage());
    }

    @Test
    void undefinedValueIsReportedAtItsUse() {
        assertError("3:32: error: use of undefined value %acc", """
                kernel @k(%x: f32[4] in, %y: f32[4] out) {
                  for %i in 0 .. 4 {
                    store %y[%i] = add(%x[%i], %acc)
                  }
                }
                """);
    }

    @Test
    void loopVariableIsNotVisibleAfterItsLoop() {
        KernelSyntaxError e = error("""
                kernel @k(%y: i64[4] out) {
                  for %i in 0 .. 4 {
                  }
                  store %y[0] = %i
                }
                """);
        assertEquals(List.of(4, 17, "use of undefined value %i"), List.of(e.line(), e.column(), e.reason()));
    }

    @Test
    void unknownOpAndWrongArityAreNamed() {
        assertError("2:16: error: unknown scalar op `frob`", "kernel @k(%y: f32[] out) {\n  store %y[] = frob(1.0)\n}");
        assertError("2:16: error: `add` takes 2 operands, found 1", "kernel @k(%y: f32[] out) {\n  store %y[] = add(1.0)\n}");
    }

    @Test
    void loadNeedsADeclaredBufferAndABufferNeedsAnIndex() {
        assertError("2:16: error: load from unknown buffer %z", "kernel @k(%y: f32[] out) {\n  store %y[] = %z[]\n}");
        assertError("2:16: error: buffer %y is read with an index, as %y[...]", "kernel @k(%y: f32[] inout) {\n  store %y[] = %y\n}");
    }

    @Test
    void malformedTypesNumbersAndDimsAreReportedWhereTheyStart() {
        assertError("1:15: error: unknown dtype `f33` (expected f32, bf16, f16, i32, i64 or bool)", "kernel @k(%y: f33[] out) {\n}");
        assertError("1:19: error: malformed dimension `N+`", "kernel @k(%y: f32[N+] out) sizes(N) {\n}");
        assertError("2:16: error: malformed number `12x`", "kernel @k(%y: i64[] out) {\n  store %y[] = 12x\n}");
        assertError("2:16: error: integer literal `99999999999999999999` is out of range",
                "kernel @k(%y: i64[] out) {\n  store %y[] = 99999999999999999999\n}");
        assertError("1:22: error: expected an access (in, out or inout), found `of`", "kernel @k(%y: f32[4] of) {\n}");
    }

    @Test
    void loopsNeedTheirRangeAndKind() {
        assertError("2:15: error: expected `..`, found `to`", "kernel @k() {\n  for %i in 0 to 4 {\n  }\n}");
        assertError("2:13: error: expected `for`, found `%i`", "kernel @k() {\n  vector(4) %i in 0 .. 4 {\n  }\n}");
        assertError("2:3: error: expected a statement (store, local, an assignment or a loop), found `frob`", "kernel @k() {\n  frob\n}");
    }

    @Test
    void unterminatedKernelSaysTheTextEnded() {
        assertError("2:21: error: expected `}`, found the end of the text", "kernel @k() {\n  for %i in 0 .. 4 {");
    }

    @Test
    void parseWantsExactlyOneKernel() {
        KernelSyntaxError e = assertThrows(KernelSyntaxError.class, () -> KernelParser.parse("// nothing here\n"));
        assertEquals("1:1: error: expected exactly one kernel, found 0", e.getMessage());
    }

    /** Every prefix of a valid text parses or fails with a positioned KernelSyntaxError, never another exception. */
    @Test
    void truncatedTextFailsOnlyWithSyntaxErrors() {
        qt().withExamples(1000).forAll(RandomKernels.kernels(), integers().between(0, 1 << 16)).checkAssert((k, cut) -> {
            String text = KernelPrinter.print(k);
            parsesOrFailsCleanly(text.substring(0, cut % (text.length() + 1)));
        });
    }

    /** So does a valid text with one character deleted or replaced by a character of the syntax. */
    @Test
    void mutatedTextFailsOnlyWithSyntaxErrors() {
        String alphabet = "%@()[]{}<>,:=.-+*0123456789eNaz_ \n";
        qt().withExamples(1000).forAll(RandomKernels.kernels(), integers().between(0, 1 << 16), integers().between(-1, alphabet.length() - 1))
                .checkAssert((k, at, c) -> {
                    String text = KernelPrinter.print(k);
                    int i = at % text.length();
                    parsesOrFailsCleanly(text.substring(0, i) + (c < 0 ? "" : alphabet.charAt(c)) + text.substring(i + 1));
                });
    }

    private static void parsesOrFailsCleanly(String text) {
        try {
            KernelParser.parseAll(text);
        } catch (KernelSyntaxError e) {
            long lines = text.chars().filter(ch -> ch == '\n').count() + 1;
            assertTrue(e.line() >= 1 && e.line() <= lines && e.column() >= 1, e.getMessage());
        }
    }
}
