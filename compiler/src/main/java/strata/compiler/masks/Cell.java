package strata.compiler.masks;

/** One (b, h, q, k) of a mask at sequence length t, with the data it was evaluated on: a counterexample. */
public record Cell(long t, long b, long h, long q, long k, MaskData.Given data) {
    public String at() { return "(q = " + q + ", k = " + k + ")"; }
}
