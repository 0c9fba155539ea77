package strata.tests.prelude;

import static strata.tests.prelude.LayerFixture.affine;

/**
 * Attention written out by hand for the prelude tests, independently of the interpreter:
 * softmax over the visible keys of scale * q . k (after the score modifier), applied to v.
 * Query head h reads key/value head h / (heads / kvHeads). A query that sees no key gives zeros.
 */
final class HandAttention {
    private HandAttention() {}

    interface Visible {
        boolean at(int b, int h, int q, int k);
    }

    interface Score {
        double at(int b, int h, int q, int k, double s);
    }

    static final Score PLAIN = (b, h, q, k, s) -> s;

    /** q: [batch, heads, tq, hd], k and v: [batch, kvHeads, tk, hd], flat; returns [batch, heads, tq, hd]. */
    static double[] attend(double[] q, double[] k, double[] v, int batch, int heads, int kvHeads, int tq, int tk, int hd,
                           Visible visible, Score score) {
        double[] out = new double[batch * heads * tq * hd];
        double scale = 1 / Math.sqrt(hd);
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++) {
                int kvh = h / (heads / kvHeads);
                for (int i = 0; i < tq; i++) {
                    double[] w = new double[tk];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < tk; j++) {
                        if (!visible.at(b, h, i, j)) { w[j] = Double.NaN; continue; }
                        double dot = 0;
                        for (int c = 0; c < hd; c++)
                            dot += q[((b * heads + h) * tq + i) * hd + c] * k[((b * kvHeads + kvh) * tk + j) * hd + c];
                        w[j] = score.at(b, h, i, j, scale * dot);
                        max = Math.max(max, w[j]);
                    }
                    if (max == Double.NEGATIVE_INFINITY) continue;
                    double total = 0;
                    for (int j = 0; j < tk; j++) if (!Double.isNaN(w[j])) total += Math.exp(w[j] - max);
                    for (int j = 0; j < tk; j++) {
                        if (Double.isNaN(w[j])) continue;
                        double p = Math.exp(w[j] - max) / total;
                        for (int c = 0; c < hd; c++)
                            out[((b * heads + h) * tq + i) * hd + c] += p * v[((b * kvHeads + kvh) * tk + j) * hd + c];
                    }
                }
            }
        return out;
    }

    /** [batch, t, heads * hd] -> [batch, heads, t, hd]. */
    static double[] splitHeads(double[] x, int batch, int t, int heads, int hd) {
        double[] y = new double[x.length];
        for (int b = 0; b < batch; b++)
            for (int p = 0; p < t; p++)
                for (int h = 0; h < heads; h++)
                    for (int c = 0; c < hd; c++) y[((b * heads + h) * t + p) * hd + c] = x[((b * t + p) * heads + h) * hd + c];
        return y;
    }

    /** [batch, heads, t, hd] -> [batch, t, heads * hd]. */
    static double[] mergeHeads(double[] x, int batch, int t, int heads, int hd) {
        double[] y = new double[x.length];
        for (int b = 0; b < batch; b++)
            for (int p = 0; p < t; p++)
                for (int h = 0; h < heads; h++)
                    for (int c = 0; c < hd; c++) y[((b * t + p) * heads + h) * hd + c] = x[((b * heads + h) * t + p) * hd + c];
        return y;
    }

    /** Weights of an attention layer's four projections (biases null when it has none). */
    record Weights(double[] wq, double[] bq, double[] wk, double[] bk, double[] wv, double[] bv, double[] wo, double[] bo) {}

    /**
     * The whole layer: project x to queries and memory to keys and values, attend, merge the heads
     * and project out. For self-attention memory is x. x: [batch, tq, d], memory: [batch, tk, dkv].
     */
    static double[] layer(double[] x, double[] memory, Weights w, int batch, int tq, int tk, int d, int dkv, int heads, int kvHeads,
                          Visible visible, Score score) {
        int hd = d / heads;
        double[] q = splitHeads(affine(x, batch * tq, d, w.wq(), w.bq(), heads * hd), batch, tq, heads, hd);
        double[] k = splitHeads(affine(memory, batch * tk, dkv, w.wk(), w.bk(), kvHeads * hd), batch, tk, kvHeads, hd);
        double[] v = splitHeads(affine(memory, batch * tk, dkv, w.wv(), w.bv(), kvHeads * hd), batch, tk, kvHeads, hd);
        double[] o = mergeHeads(attend(q, k, v, batch, heads, kvHeads, tq, tk, hd, visible, score), batch, tq, heads, hd);
        return affine(o, batch * tq, heads * hd, w.wo(), w.bo(), d);
    }
}
