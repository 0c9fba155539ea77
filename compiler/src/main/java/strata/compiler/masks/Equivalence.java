package strata.compiler.masks;

import java.util.Optional;
import strata.compiler.graph.Region;

/**
 * Whether two masks agree on every cell of (b, h) for q, k < T with the given data. Index-only
 * masks do not depend on T, so agreement on the T x T square holds for every shorter length too.
 * Tiles both masks classify alike (both FULL or both EMPTY) are skipped without evaluation.
 */
public final class Equivalence {
    private Equivalence() {}

    /** A cell where they differ, or empty when they agree. */
    public static Optional<Cell> differ(Region a, MaskData.Given da, Region b, MaskData.Given db, long batch, long heads, long t) {
        RegionEval ea = new RegionEval(a, da), eb = new RegionEval(b, db);
        int tile = 16;
        for (long s = 0; s < batch; s++)
            for (long h = 0; h < heads; h++)
                for (long q0 = 0; q0 < t; q0 += tile)
                    for (long k0 = 0; k0 < t; k0 += tile) {
                        long q1 = Math.min(t, q0 + tile) - 1, k1 = Math.min(t, k0 + tile) - 1;
                        TileKind ka = TileClassifier.classify(a, da, s, h, q0, q1, k0, k1), kb = TileClassifier.classify(b, db, s, h, q0, q1, k0, k1);
                        if (ka == kb && ka != TileKind.PARTIAL) continue;
                        for (long q = q0; q <= q1; q++)
                            for (long k = k0; k <= k1; k++)
                                if (ea.visible(s, h, q, k) != eb.visible(s, h, q, k)) return Optional.of(new Cell(t, s, h, q, k, da));
                    }
        return Optional.empty();
    }
}
