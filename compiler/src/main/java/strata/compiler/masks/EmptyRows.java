package strata.compiler.masks;

import java.util.ArrayList;
import java.util.List;
import strata.compiler.graph.Region;

/**
 * Whether some query can see no key. Proved symbolically when every query sees a witness key
 * for all q < N and all data in range (k = q in self-attention, or k = 0); else looked for by
 * evaluation over every data set of {@link DataSearch} for T = 1..{@link #SEARCH_T}.
 */
public final class EmptyRows {
    public static final long N = 1 << 20;
    public static final int SEARCH_T = 4;

    /** proven: no row is empty; row: a query row with no visible key, with its T and data, when one was found. */
    public record Verdict(boolean proven, String reason, Cell row) {
        public boolean canBeEmpty() { return row != null; }
    }

    private EmptyRows() {}

    /**
     * @param selfAttention whether queries and keys run over the same positions, so k = q is a key
     * @param heads         the heads to check (per-head masks)
     */
    public static Verdict check(Region r, boolean selfAttention, long heads) {
        MaskData any = new MaskData.Any(N);
        boolean diag = selfAttention, first = true;
        for (long h = 0; h < heads; h++) {
            diag &= selfAttention && AbstractMask.eval(r, any, AbstractMask.Box.diagonal(0, h, 0, N - 1)) == Bool3.TRUE;
            first &= AbstractMask.eval(r, any, AbstractMask.Box.tile(0, h, 0, N - 1, 0, 0)) == Bool3.TRUE;
        }
        if (diag) return new Verdict(true, "every query sees itself (k = q)", null);
        if (first) return new Verdict(true, "every query sees key 0", null);
        for (long t = 1; t <= SEARCH_T; t++)
            for (MaskData.Given data : DataSearch.all(r, t))
                for (long h = 0; h < heads; h++) {
                    List<Long> rows = rows(r, data, 0, h, t, t);
                    if (!rows.isEmpty()) return new Verdict(false, "found by search", new Cell(t, 0, h, rows.getFirst(), -1, data));
                }
        return new Verdict(false, "not proven; no empty row for T <= " + SEARCH_T + " over all data in range", null);
    }

    /** The query rows of (b, h) that see no key, for these data and lengths (dense). */
    public static List<Long> rows(Region r, MaskData.Given data, long b, long h, long tq, long tk) {
        RegionEval e = new RegionEval(r, data);
        List<Long> out = new ArrayList<>();
        for (long q = 0; q < tq; q++) {
            boolean any = false;
            for (long k = 0; k < tk && !any; k++) any = e.visible(b, h, q, k);
            if (!any) out.add(q);
        }
        return out;
    }
}
