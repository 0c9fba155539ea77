package strata.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import strata.compiler.interp.RefTensor;
import strata.compiler.masks.Causality;
import strata.compiler.masks.Cell;
import strata.compiler.masks.EmptyRows;
import strata.compiler.masks.Equivalence;
import strata.compiler.masks.RegionEval;
import strata.compiler.masks.TileClassifier;
import strata.compiler.masks.TileKind;

/**
 * JUnit assertions on masks, each failing with a counterexample: the cell (q, k), the length T
 * and the data it was found at. A {@link Mask} alone is checked for every data in its stated
 * range (the static analysis, or every data set of the analysis' search at each T); a
 * {@link Mask.At} for its one length and data.
 */
public final class MaskAssertions {
    private MaskAssertions() {}

    /** {@code mask(q, k) implies k <= q} for every T and all data in range (proved by the analysis). */
    public static void assertCausal(Mask m) {
        Causality.Verdict v = Causality.check(m.region(), m.heads());
        if (v.causal()) return;
        Cell c = v.counterexample();
        if (c == null) fail("mask " + named(m) + " is not proved causal: " + v.reason());
        fail("mask " + named(m) + " is not causal: query " + c.q() + " sees the later key " + c.k() + " " + where(m, c));
    }

    /** No query of this instance sees a later key. */
    public static void assertCausal(Mask.At a) {
        RegionEval e = a.eval();
        for (long b = 0; b < a.batch(); b++)
            for (long h = 0; h < a.mask().heads(); h++)
                for (long q = 0; q < a.t(); q++)
                    for (long k = q + 1; k < a.t(); k++)
                        if (e.visible(b, h, q, k)) fail("mask " + named(a.mask()) + " is not causal: query " + q + " sees the later key " + k + cellAt(a, b, h));
    }

    /**
     * Every query sees some key. With no T: proved for every T by the analysis, or refuted by its
     * search. With lengths: checked densely at each, for every data set the analysis tries there.
     */
    public static void assertNoEmptyRows(Mask m, long... ts) {
        if (ts.length == 0) {
            EmptyRows.Verdict v = EmptyRows.check(m.region(), m.selfAttention(), m.heads());
            if (v.proven()) return;
            if (!v.canBeEmpty()) fail("mask " + named(m) + " is not proved free of empty rows: " + v.reason());
            fail("mask " + named(m) + " can leave a query with no visible key: query " + v.row().q() + " sees no key " + where(m, v.row()));
        }
        for (long t : ts) for (Mask.At a : m.everyDataAt(t)) assertNoEmptyRows(a);
    }

    /** Every query of this instance sees some key. */
    public static void assertNoEmptyRows(Mask.At a) {
        for (long b = 0; b < a.batch(); b++)
            for (long h = 0; h < a.mask().heads(); h++) {
                List<Long> rows = EmptyRows.rows(a.mask().region(), a.data(), b, h, a.t(), a.t());
                if (!rows.isEmpty()) fail("mask " + named(a.mask()) + " leaves query " + rows.getFirst() + " with no visible key" + cellAt(a, b, h)
                        + (rows.size() > 1 ? " (empty rows: " + rows + ")" : ""));
            }
    }

    /** The tile map at T agrees with dense evaluation, for a mask that reads no data. */
    public static void assertTilesAgreeWithDense(Mask m, long t, int tile) { assertTilesAgreeWithDense(m.at(t), tile); }

    /** No FULL tile of tile x tile cells holds a hidden cell and no EMPTY tile a visible one. */
    public static void assertTilesAgreeWithDense(Mask.At a, int tile) {
        RegionEval e = a.eval();
        long t = a.t();
        for (long b = 0; b < a.batch(); b++)
            for (long h = 0; h < a.mask().heads(); h++) {
                TileKind[][] map = TileClassifier.map(a.mask().region(), a.data(), b, h, t, t, tile, tile);
                for (long q = 0; q < t; q++)
                    for (long k = 0; k < t; k++) {
                        TileKind kind = map[(int) (q / tile)][(int) (k / tile)];
                        boolean vis = e.visible(b, h, q, k);
                        if (kind == TileKind.FULL && !vis || kind == TileKind.EMPTY && vis)
                            fail("mask " + named(a.mask()) + ": tile (" + q / tile + ", " + k / tile + ") of " + tile + " x " + tile + " is " + kind
                                    + " but (q = " + q + ", k = " + k + ") is " + (vis ? "visible" : "hidden") + cellAt(a, b, h));
                    }
            }
    }

    /**
     * The masks agree on every cell at length T: once for masks without data, else for every data
     * set the analysis tries for {@code a} at T, given to {@code b} by name.
     */
    public static void assertEquivalent(Mask a, Mask b, long t) {
        if (!a.data().keySet().containsAll(b.data().keySet()))
            throw new IllegalArgumentException("mask " + named(b) + " reads " + b.data().keySet() + ", not all read by " + named(a) + " " + a.data().keySet());
        for (Mask.At x : a.everyDataAt(t)) {
            Map<String, RefTensor> byName = new LinkedHashMap<>();
            a.data().forEach((n, v) -> { if (b.data().containsKey(n)) byName.put(n, x.data().of(v)); });
            assertEquivalent(x, b.at(t, byName));
        }
    }

    /** The two instances agree on every cell: same T, and same B unless one reads no data (it is then the same for every sample). */
    public static void assertEquivalent(Mask.At a, Mask.At b) {
        boolean sameB = a.batch() == b.batch() || !a.mask().readsData() || !b.mask().readsData();
        if (a.t() != b.t() || !sameB) throw new IllegalArgumentException("compare masks at the same T and B: " + a + " and " + b);
        long heads = Math.max(a.mask().heads(), b.mask().heads()), batch = Math.max(a.batch(), b.batch());
        Optional<Cell> c = Equivalence.differ(a.mask().region(), a.data(), b.mask().region(), b.data(), batch, heads, a.t());
        if (c.isEmpty()) return;
        Cell x = c.get();
        boolean va = a.visible(x.b(), x.h(), x.q(), x.k());
        fail("masks " + named(a.mask()) + " and " + named(b.mask()) + " differ at " + x.at() + ": " + named(a.mask()) + " "
                + (va ? "shows" : "hides") + " it, " + named(b.mask()) + " " + (va ? "hides" : "shows") + " it" + cellAt(a.mask().readsData() ? a : b, x.b(), x.h())
                + (!a.mask().readsData() || !b.mask().readsData() || b.data().equals(a.data()) ? "" : "; " + named(b.mask()) + " read " + b.describeData()));
    }

    private static String where(Mask m, Cell c) {
        return "(T = " + c.t() + (m.heads() > 1 ? ", head " + c.h() : "")
                + (c.data().tensors().isEmpty() ? "" : ", " + new Mask.At(m, c.t(), 1, c.data()).describeData()) + ")";
    }

    private static String cellAt(Mask.At a, long b, long h) {
        return " (T = " + a.t() + (a.batch() > 1 ? ", sample " + b : "") + (a.mask().heads() > 1 ? ", head " + h : "")
                + (a.data().tensors().isEmpty() ? "" : ", " + a.describeData()) + ")";
    }

    private static String named(Mask m) { return "`" + m.name() + "`"; }
}
