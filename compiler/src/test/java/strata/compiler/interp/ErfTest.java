package strata.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;

import java.math.BigDecimal;
import java.math.MathContext;
import org.junit.jupiter.api.Test;

class ErfTest {
    private static final MathContext MC = new MathContext(70);
    private static final BigDecimal SQRT_PI =
            new BigDecimal("3.14159265358979323846264338327950288419716939937510582097494459").sqrt(MC);

    /** erf by its Maclaurin series, 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)), at 70 digits: slow and certain. */
    static double reference(double xd) {
        BigDecimal x = new BigDecimal(xd), x2 = x.multiply(x, MC);
        BigDecimal power = x, sum = BigDecimal.ZERO, factorial = BigDecimal.ONE;
        for (int n = 0; n < 400; n++) {
            if (n > 0) {
                power = power.multiply(x2, MC).negate();
                factorial = factorial.multiply(BigDecimal.valueOf(n));
            }
            BigDecimal term = power.divide(factorial.multiply(BigDecimal.valueOf(2L * n + 1)), MC);
            sum = sum.add(term, MC);
            if (n > 10 && term.abs().compareTo(new BigDecimal("1e-40")) < 0) break;
        }
        return sum.multiply(BigDecimal.TWO, MC).divide(SQRT_PI, MC).doubleValue();
    }

    @Test
    void erfMatchesPublishedValues() {
        assertEquals(0.5204998778130465, Erf.erf(0.5), 2.5e-16);
        assertEquals(0.8427007929497149, Erf.erf(1.0), 2.5e-16);
        assertEquals(0.9953222650189527, Erf.erf(2.0), 2.5e-16);
        assertEquals(0.0, Erf.erf(0.0));
        assertEquals(-0.0, Erf.erf(-0.0));
        assertEquals(1.0, Erf.erf(Double.POSITIVE_INFINITY));
        assertEquals(-1.0, Erf.erf(Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(Erf.erf(Double.NaN)));
    }

    @Test
    void erfIsOdd() {
        qt().forAll(doubles().between(-30, 30)).checkAssert(x -> assertEquals(-Erf.erf(x), Erf.erf(-x)));
    }

    @Test
    void erfAgreesWithA70DigitSeriesWithinTwoUlps() {
        qt().withExamples(500).forAll(doubles().between(-6, 6)).checkAssert(x -> {
            double ref = reference(x), got = Erf.erf(x);
            assertTrue(Math.abs(got - ref) <= 2 * Math.ulp(ref),
                    () -> "erf(" + x + ") = " + got + ", reference " + ref + ", off by " + Math.abs(got - ref) / Math.ulp(ref) + " ulp");
        });
    }

    @Test
    void erfIsMonotoneAcrossTheBranchSwitch() {
        double prev = Erf.erf(0.99);
        for (double x = 0.99; x < 1.01; x += 1e-4) {
            double y = Erf.erf(x);
            assertTrue(y >= prev, "erf decreases at " + x);
            prev = y;
        }
    }

    @Test
    void erfcKeepsItsTailWhereOneMinusErfCancels() {
        // erfc(5) = 1.5374597944280348502e-12 (A and S, Table 7.1 tail; also 1 - erf to 20 digits)
        assertEquals(1.5374597944280349e-12, Erf.erfc(5.0), 1e-26);
        assertEquals(1.0 - Erf.erf(0.7), Erf.erfc(0.7));
    }
}
