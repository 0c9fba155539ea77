package strata.compiler.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DimTest {
    private static Dim poly(int a, int b, int c) {
        return Dim.sym("B").times(Dim.sym("T")).times(a).plus(Dim.sym("T").times(b)).plus(Dim.of(c));
    }

    @Test
    void printedDimParsesBackToItself() {
        qt().forAll(integers().between(-5, 5), integers().between(-5, 5), integers().between(-50, 50))
                .checkAssert((a, b, c) -> {
                    Dim d = poly(a, b, c);
                    assertEquals(d, Dim.parse(d.toString()));
                });
    }

    @Test
    void evaluationIsARingHomomorphism() {
        qt().forAll(integers().between(-5, 5), integers().between(-5, 5), integers().between(1, 40), integers().between(1, 40))
                .checkAssert((a, c, bv, tv) -> {
                    Map<String, Long> env = Map.of("B", (long) bv, "T", (long) tv);
                    Dim x = poly(a, c, 3), y = poly(c, a, -1);
                    assertEquals(x.eval(env) + y.eval(env), x.plus(y).eval(env));
                    assertEquals(x.eval(env) * y.eval(env), x.times(y).eval(env));
                });
    }

    @Test
    void canonicalTextPutsHigherDegreeFirst() {
        assertEquals("B*T + 2*T - 1", Dim.parse("2*T - 1 + T*B").toString());
        assertEquals("0", Dim.parse("T - T").toString());
        assertEquals(Dim.sym("T"), Dim.parse("B*T").divExact(Dim.sym("B")).orElseThrow());
    }
}
