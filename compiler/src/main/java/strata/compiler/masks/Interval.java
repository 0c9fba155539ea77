package strata.compiler.masks;

/** A closed range of numbers [lo, hi] that holds every value a term takes over a set of cells. */
public record Interval(double lo, double hi) {
    public static final Interval ALL = new Interval(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);

    public static Interval point(double v) { return new Interval(v, v); }

    public boolean isPoint() { return lo == hi; }

    public Interval plus(Interval o) { return new Interval(lo + o.lo, hi + o.hi); }

    /** c * [lo, hi]; 0 * an unbounded side is 0, as the term it bounds is finite. */
    public Interval times(double c) {
        if (c == 0) return point(0);
        return c > 0 ? new Interval(c * lo, c * hi) : new Interval(c * hi, c * lo);
    }

    public Interval times(Interval o) {
        double[] p = {mul(lo, o.lo), mul(lo, o.hi), mul(hi, o.lo), mul(hi, o.hi)};
        double a = p[0], b = p[0];
        for (double x : p) { a = Math.min(a, x); b = Math.max(b, x); }
        return new Interval(a, b);
    }

    private static double mul(double x, double y) { return x == 0 || y == 0 ? 0 : x * y; }

    public Interval hull(Interval o) { return new Interval(Math.min(lo, o.lo), Math.max(hi, o.hi)); }

    public Interval min(Interval o) { return new Interval(Math.min(lo, o.lo), Math.min(hi, o.hi)); }

    public Interval max(Interval o) { return new Interval(Math.max(lo, o.lo), Math.max(hi, o.hi)); }

    public Interval abs() {
        if (lo >= 0) return this;
        if (hi <= 0) return new Interval(-hi, -lo);
        return new Interval(0, Math.max(-lo, hi));
    }

    public boolean contains(double v) { return lo <= v && v <= hi; }
}
