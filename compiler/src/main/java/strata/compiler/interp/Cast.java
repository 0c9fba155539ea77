package strata.compiler.interp;

import strata.compiler.graph.DType;

/**
 * Conversion of one element to another element type: what {@code cast} does. Floats round to
 * nearest, ties to even, directly from double to the target's precision (no double rounding
 * through f32); floats become integers by truncation toward zero; anything nonzero is true.
 */
public final class Cast {
    private Cast() {}

    public static double convert(double v, DType from, DType to) {
        return switch (to) {
            case F32 -> round(v, 23, -126, Float.MAX_VALUE);
            case BF16 -> round(v, 7, -126, 0x1.FEp127);
            case F16 -> round(v, 10, -14, 65504.0);
            // from a float, Java's narrowing truncates toward zero, saturates at the range and maps NaN to 0;
            // from an integer, i32 keeps the low 32 bits (two's complement wrap)
            case I64 -> (double) (long) v;
            case I32 -> from.isFloat() ? (double) (int) v : (double) (int) (long) v;
            case BOOL -> v != 0 ? 1.0 : 0.0;
        };
    }

    /**
     * Rounds to a binary float with {@code mantissaBits} stored fraction bits, smallest normal
     * exponent {@code minExp} (below it the spacing stays fixed: subnormals) and largest finite
     * value {@code max}; values that round past {@code max} become infinite (IEEE 754, 4.3.1).
     */
    static double round(double v, int mantissaBits, int minExp, double max) {
        if (v == 0 || Double.isNaN(v) || Double.isInfinite(v)) return v;
        int e = Math.max(Math.getExponent(v), minExp);
        double quantum = Math.scalb(1.0, e - mantissaBits);
        double r = Math.rint(v / quantum) * quantum; // division by a power of two is exact; rint ties to even
        if (Math.abs(r) > max) return Math.copySign(Double.POSITIVE_INFINITY, v);
        return r;
    }
}
