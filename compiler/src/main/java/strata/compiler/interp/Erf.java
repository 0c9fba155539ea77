package strata.compiler.interp;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * The error function in double precision, written for the reference interpreter (Java has no
 * {@code Math.erf}). Two classical expansions, each where it is accurate:
 * <ul>
 * <li>|x| < 1: the Maclaurin series erf(x) = 2/sqrt(pi) * sum_{n>=0} (-1)^n x^(2n+1) / (n! (2n+1)),
 *     Abramowitz and Stegun, Handbook of Mathematical Functions (1964), formula 7.1.5, summed in
 *     double-double arithmetic (Dekker, "A floating-point technique for extending the available
 *     precision", Numer. Math. 18, 1971), so that neither the alternation nor the term recurrence
 *     costs precision: the result is within an ulp or so. (Plain double summation of this series,
 *     or of A and S 7.1.6, was measured at up to 5 ulps near x = 1.)
 * <li>|x| >= 1: erf(x) = 1 - erfc(x), with erfc from its continued fraction,
 *     erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))),
 *     A and S 7.1.14, evaluated bottom-up from a depth that converges to double
 *     precision (measured against depth 100000: 200 suffice at x = 1, 80 at 2, 40 at 3; we use
 *     twice that). Here erfc(x) < 0.16, so its relative error shrinks by that much in erf.
 * </ul>
 * Agreement with a 70-digit reference is checked in ErfTest (within 2 ulps; measured: 0 ulps below 1, at most 1 above).
 */
public final class Erf {
    private Erf() {}

    /** 1 / sqrt(pi). */
    private static final double ONE_OVER_SQRT_PI = 0.5641895835477563;
    /** 2 / sqrt(pi) as a double-double, head and tail, derived from 50 digits of pi. */
    private static final double TWO_OVER_SQRT_PI_HI, TWO_OVER_SQRT_PI_LO;

    static {
        MathContext mc = new MathContext(40);
        BigDecimal pi = new BigDecimal("3.14159265358979323846264338327950288419716939937510");
        BigDecimal c = BigDecimal.TWO.divide(pi.sqrt(mc), mc);
        TWO_OVER_SQRT_PI_HI = c.doubleValue();
        TWO_OVER_SQRT_PI_LO = c.subtract(new BigDecimal(TWO_OVER_SQRT_PI_HI)).doubleValue();
    }

    public static double erf(double x) {
        if (Double.isNaN(x) || x == 0) return x; // keeps the sign of zero
        double a = Math.abs(x);
        if (a < 1.0) return series(x); // odd by construction
        double r = a < 6.0 ? 1.0 - erfcContinuedFraction(a) : 1.0; // erfc(6) ~ 2.2e-17, below half an ulp of 1
        return Math.copySign(r, x);
    }

    /** The complementary error function 1 - erf(x), accurate in the tail where 1 - erf would cancel. */
    public static double erfc(double x) {
        if (Double.isNaN(x)) return x;
        if (x < 1.0) return 1.0 - erf(x);
        if (x > 27.3) return 0.0; // underflows
        return erfcContinuedFraction(x);
    }

    /** exp(-x^2) for x >= 0, without the rounding error of forming x^2. */
    private static double expMinusSquare(double x) {
        double hi = x * x;
        double lo = Math.fma(x, x, -hi); // x^2 = hi + lo exactly
        return Math.exp(-hi) * (1.0 - lo); // |lo| <= ulp(hi)/2, so exp(-lo) = 1 - lo to double precision
    }

    /** A and S 7.1.5 in double-double: (sh, sl) accumulates the terms t_n = (-x^2)^n x / n!, each divided by 2n + 1. */
    private static double series(double x) {
        double x2h = x * x, x2l = Math.fma(x, x, -x2h); // x^2 exactly
        double th = x, tl = 0, sh = x, sl = 0;
        for (int n = 1; n < 100; n++) {
            // t *= -x^2 / n
            double ph = th * x2h, pl = Math.fma(th, x2h, -ph) + (th * x2l + tl * x2h);
            th = -(ph + pl);
            tl = -(pl - ((ph + pl) - ph));
            double qh = th / n, ql = (Math.fma(-qh, n, th) + tl) / n;
            th = qh + ql;
            tl = ql - (th - qh);
            // s += t / (2n + 1)
            int d = 2 * n + 1;
            double ch = th / d, cl = (Math.fma(-ch, d, th) + tl) / d;
            double s = sh + ch, bv = s - sh, e = (sh - (s - bv)) + (ch - bv) + sl + cl;
            sh = s + e;
            sl = e - (sh - s);
            if (Math.abs(ch) < 1e-34 * Math.abs(sh)) break;
        }
        // 2/sqrt(pi) * s, rounded once
        double ph = TWO_OVER_SQRT_PI_HI * sh;
        double pl = Math.fma(TWO_OVER_SQRT_PI_HI, sh, -ph) + (TWO_OVER_SQRT_PI_HI * sl + TWO_OVER_SQRT_PI_LO * sh);
        return ph + pl;
    }

    /** erfc for x >= 1 by the continued fraction x + (1/2)/(x + 1/(x + (3/2)/(x + ...))), evaluated from the bottom. */
    private static double erfcContinuedFraction(double x) {
        int depth = x < 1.5 ? 400 : x < 2 ? 240 : x < 3 ? 160 : 80;
        double f = x;
        for (int n = depth; n >= 1; n--) f = x + (n / 2.0) / f;
        return ONE_OVER_SQRT_PI * expMinusSquare(x) / f;
    }
}
