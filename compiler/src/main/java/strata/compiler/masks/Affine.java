package strata.compiler.masks;

import java.util.Map;
import java.util.TreeMap;

/**
 * c + sum of coef * atom, where an atom is an index (q, k, b, h), a read of data, or an opaque
 * term. Comparing two affine forms looks at the range of their difference, in which the same
 * atom cancels: over a rectangle of q and k the extremes of an affine form are at its corners,
 * so for index-only comparisons the range, and the verdict, are exact.
 */
public record Affine(double constant, TreeMap<Integer, Double> coefs) {
    public static Affine of(double c) { return new Affine(c, new TreeMap<>()); }

    public static Affine atom(int id) {
        TreeMap<Integer, Double> m = new TreeMap<>();
        m.put(id, 1.0);
        return new Affine(0, m);
    }

    public boolean isConstant() { return coefs.isEmpty(); }

    public Affine plus(Affine o) {
        TreeMap<Integer, Double> m = new TreeMap<>(coefs);
        for (var e : o.coefs.entrySet()) {
            double v = m.getOrDefault(e.getKey(), 0.0) + e.getValue();
            if (v == 0) m.remove(e.getKey());
            else m.put(e.getKey(), v);
        }
        return new Affine(constant + o.constant, m);
    }

    public Affine times(double c) {
        if (c == 0) return of(0);
        TreeMap<Integer, Double> m = new TreeMap<>();
        for (var e : coefs.entrySet()) m.put(e.getKey(), e.getValue() * c);
        return new Affine(constant * c, m);
    }

    public Affine minus(Affine o) { return plus(o.times(-1)); }

    /** The range over the atoms' ranges, taken as independent (exact when they are). */
    public Interval range(Map<Integer, Interval> atoms) {
        Interval r = Interval.point(constant);
        for (var e : coefs.entrySet()) r = r.plus(atoms.get(e.getKey()).times(e.getValue()));
        return r;
    }

    /** A key under which equal forms meet: the same read of data is one atom. */
    public String key() { return constant + coefs.toString(); }
}
