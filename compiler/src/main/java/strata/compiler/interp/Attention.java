package strata.compiler.interp;

import java.util.Optional;
import strata.compiler.graph.Op;
import strata.compiler.graph.Region;

/**
 * Scaled dot-product attention (Vaswani et al., 2017, eq. 1) with programmable masks and score
 * modifiers (after FlexAttention's mask_mod and score_mod). For each (b, h, q):
 * s_k = scale * q . k_k; the "score" region, when present, replaces s_k by score(b, h, q, k, s_k);
 * the "mask" region, when present, drops the keys with mask(b, h, q, k) false; the output is the
 * softmax of the remaining scores applied to v. A row with no visible key (or only scores of
 * -inf) yields zeros. Query head h reads key/value head h / (H / Hkv) (grouped-query attention,
 * Ainslie et al., 2023).
 */
final class Attention {
    private Attention() {}

    /** Evaluates a scalar region on scalar arguments (bound in order to its arguments). */
    interface RegionRunner {
        double run(Region region, double... args);
    }

    static RefTensor attention(Op op, RefTensor q, RefTensor k, RefTensor v, RegionRunner regions) {
        int batch = (int) q.dim(0), heads = (int) q.dim(1), tq = (int) q.dim(2), d = (int) q.dim(3);
        int kvHeads = (int) k.dim(1), tk = (int) k.dim(2), dv = (int) v.dim(3);
        if (heads % kvHeads != 0) throw new IllegalArgumentException("attention: " + heads + " query heads over " + kvHeads + " key/value heads");
        int group = heads / kvHeads;
        double scale = op.floatAttr("scale", 1.0 / Math.sqrt(d));
        Optional<Region> mask = op.region("mask"), score = op.region("score");
        double[] qd = q.raw(), kd = k.raw(), vd = v.raw();
        double[] out = new double[batch * heads * tq * dv];
        double[] s = new double[tk];
        boolean[] visible = new boolean[tk];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++) {
                int kvh = h / group;
                int kvBase = (b * kvHeads + kvh) * tk;
                for (int i = 0; i < tq; i++) {
                    int qOff = ((b * heads + h) * tq + i) * d;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < tk; j++) {
                        visible[j] = mask.isEmpty() || regions.run(mask.get(), b, h, i, j) != 0;
                        if (!visible[j]) continue;
                        int kOff = (kvBase + j) * d;
                        double dot = 0;
                        for (int c = 0; c < d; c++) dot += qd[qOff + c] * kd[kOff + c];
                        s[j] = scale * dot;
                        if (score.isPresent()) s[j] = regions.run(score.get(), b, h, i, j, s[j]);
                        max = Math.max(max, s[j]);
                    }
                    int oOff = ((b * heads + h) * tq + i) * dv;
                    if (max == Double.NEGATIVE_INFINITY) continue; // nothing visible: the row stays zero
                    double sum = 0;
                    for (int j = 0; j < tk; j++) if (visible[j]) sum += s[j] = Math.exp(s[j] - max);
                    for (int j = 0; j < tk; j++) {
                        if (!visible[j]) continue;
                        double w = s[j] / sum;
                        int vOff = (kvBase + j) * dv;
                        for (int c = 0; c < dv; c++) out[oOff + c] += w * vd[vOff + c];
                    }
                }
            }
        return RefTensor.wrap(op.type().dtype(), new long[] {batch, heads, tq, dv}, out);
    }
}
