package strata.compiler.masks;

/**
 * What a (q-tile, k-tile) rectangle of a mask is: a kernel skips an EMPTY tile, runs a FULL one
 * without the mask, and evaluates the mask per cell only in a PARTIAL one. Tiles are clipped
 * to [0, Tq) x [0, Tk); the cells past the end are the kernel's own bound check.
 */
public enum TileKind { EMPTY, FULL, PARTIAL }
