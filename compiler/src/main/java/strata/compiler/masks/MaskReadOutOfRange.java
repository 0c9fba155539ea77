package strata.compiler.masks;

/**
 * A mask read its data at an index outside the data's shape. Masks are defined only on
 * 0 <= q < Tq, 0 <= k < Tk (the cells past the end, which a blocked kernel pads to, are masked
 * by definition and the mask is never run there), so this can only happen when data indexes
 * data; the analysis stops with this error rather than read past the end.
 */
public final class MaskReadOutOfRange extends RuntimeException {
    public MaskReadOutOfRange(String message) { super(message); }
}
