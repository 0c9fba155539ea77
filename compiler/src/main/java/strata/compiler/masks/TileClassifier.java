package strata.compiler.masks;

import strata.compiler.graph.Region;

/**
 * Classifies the tiles of a mask by abstract interpretation of its region over each tile
 * ({@link AbstractMask}): no T x T evaluation for masks of index arithmetic, and for masks that
 * read per-sample data, the data's range over the tile. PARTIAL is the safe answer when the
 * analysis cannot tell; EMPTY and FULL are never wrong.
 */
public final class TileClassifier {
    private TileClassifier() {}

    public static TileKind classify(Region r, MaskData data, long b, long h, long q0, long q1, long k0, long k1) {
        return switch (AbstractMask.eval(r, data, AbstractMask.Box.tile(b, h, q0, q1, k0, k1))) {
            case TRUE -> TileKind.FULL;
            case FALSE -> TileKind.EMPTY;
            case UNKNOWN -> TileKind.PARTIAL;
        };
    }

    /** The tile map of (b, h) for tiles of tq x tk cells over Tq x Tk. */
    public static TileKind[][] map(Region r, MaskData data, long b, long h, long tq, long tk, int tileQ, int tileK) {
        int nq = (int) ((tq + tileQ - 1) / tileQ), nk = (int) ((tk + tileK - 1) / tileK);
        TileKind[][] out = new TileKind[nq][nk];
        for (int i = 0; i < nq; i++)
            for (int j = 0; j < nk; j++)
                out[i][j] = classify(r, data, b, h, (long) i * tileQ, Math.min(tq, (long) (i + 1) * tileQ) - 1,
                        (long) j * tileK, Math.min(tk, (long) (j + 1) * tileK) - 1);
        return out;
    }
}
