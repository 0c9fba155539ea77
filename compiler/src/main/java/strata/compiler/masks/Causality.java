package strata.compiler.masks;

import strata.compiler.graph.Region;

/**
 * Whether {@code mask(q, k) implies k <= q}: what decoding with a KV cache needs, since a query
 * there sees only the keys already cached. Proved when the mask is FALSE on every rectangle of a
 * dyadic cover of the strict upper triangle {k > q} of [0, N)^2 (N - 1 rectangles) for all data
 * in range: for an index-only mask each rectangle's verdict is exact at its corners. Refuted
 * with a cell (q, k > q) that is visible, found on the cover or by search over small T and data.
 */
public final class Causality {
    public static final long N = 1 << 12;
    public static final int SEARCH_T = 5;

    public record Verdict(boolean causal, String reason, Cell counterexample) {}

    private Causality() {}

    public static Verdict check(Region r, long heads) {
        MaskData any = new MaskData.Any(N);
        boolean proven = true;
        for (long h = 0; h < heads && proven; h++) proven = triangle(r, any, h, 0, N);
        if (proven) return new Verdict(true, "no key after the query is visible, for T <= " + N + " and all data in range", null);
        for (long t = 2; t <= SEARCH_T; t++)
            for (MaskData.Given data : DataSearch.all(r, t)) {
                RegionEval e = new RegionEval(r, data);
                for (long h = 0; h < heads; h++)
                    for (long q = 0; q < t; q++)
                        for (long k = q + 1; k < t; k++)
                            if (e.visible(0, h, q, k)) return new Verdict(false, "query " + q + " sees the later key " + k, new Cell(t, 0, h, q, k, data));
            }
        return new Verdict(false, "not proven, and no counterexample for T <= " + SEARCH_T, null);
    }

    /** Refuses KV-cache decoding of a mask that is not proved causal, naming the counterexample. */
    public static void requireCausal(Region r, long heads, String what) {
        Verdict v = check(r, heads);
        if (!v.causal())
            throw new IllegalArgumentException(what + " is not causal, so it cannot decode with a KV cache: " + v.reason()
                    + (v.counterexample() == null ? "" : " at " + v.counterexample().at() + " with T = " + v.counterexample().t()
                    + (v.counterexample().data().tensors().isEmpty() ? "" : " and " + DataSearch.describe(v.counterexample().data(), java.util.Map.of()))));
    }

    // the strict upper triangle of [lo, hi)^2: one rectangle above the middle, two triangles beside
    private static boolean triangle(Region r, MaskData any, long h, long lo, long hi) {
        if (hi - lo < 2) return true;
        long mid = (lo + hi) / 2;
        return rect(r, any, h, lo, mid - 1, mid, hi - 1) && triangle(r, any, h, lo, mid) && triangle(r, any, h, mid, hi);
    }

    private static boolean rect(Region r, MaskData any, long h, long q0, long q1, long k0, long k1) {
        Bool3 v = AbstractMask.eval(r, any, AbstractMask.Box.tile(0, h, q0, q1, k0, k1));
        if (v == Bool3.FALSE) return true;
        if (v == Bool3.TRUE || q0 == q1 && k0 == k1) return false;
        if (q1 - q0 >= k1 - k0) {
            long m = (q0 + q1) / 2;
            return rect(r, any, h, q0, m, k0, k1) && rect(r, any, h, m + 1, q1, k0, k1);
        }
        long m = (k0 + k1) / 2;
        return rect(r, any, h, q0, q1, k0, m) && rect(r, any, h, q0, q1, m + 1, k1);
    }
}
