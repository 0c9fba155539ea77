package strata.compiler.interp;

import java.util.Optional;
import strata.compiler.graph.Op;
import strata.compiler.graph.Region;

/**
 * The backward of {@link Attention}: {@code attention_grad(q, k, v, dout) {wrt}} is the gradient of
 * sum(attention(q, k, v) * dout) with respect to q, k or v, or ({@code wrt = "score"}) to the
 * score modifier's outputs u[b, h, q, k] (0 where the mask hides the key). Per row, with z_j the
 * scaled dot products, u_j = score(z_j), p = softmax(u) over the visible keys, o = sum p_j v_j:
 * dp_j = dout . v_j; du_j = p_j (dp_j - dout . o) (the softmax Jacobian); dz_j = du_j score'(z_j),
 * score' read from the "score_grad" region; dq = scale sum dz_j k_j; dk_j += scale dz_j q;
 * dv_j += p_j dout (FlashAttention-2, Dao 2023, Algorithm 2, without the tiling). Key/value heads
 * shared by a group of query heads sum the group's contributions.
 */
final class AttentionGrad {
    private AttentionGrad() {}

    static RefTensor grad(Op op, RefTensor q, RefTensor k, RefTensor v, RefTensor dout, Attention.RegionRunner regions) {
        int batch = (int) q.dim(0), heads = (int) q.dim(1), tq = (int) q.dim(2), d = (int) q.dim(3);
        int kvHeads = (int) k.dim(1), tk = (int) k.dim(2), dv = (int) v.dim(3);
        int group = heads / kvHeads;
        String wrt = op.strAttr("wrt", "");
        double scale = op.floatAttr("scale", 1.0 / Math.sqrt(d));
        Optional<Region> mask = op.region("mask"), score = op.region("score"), scoreGrad = op.region("score_grad");
        if (score.isPresent() && scoreGrad.isEmpty())
            throw new IllegalArgumentException("attention_grad with a score region needs its derivative, the score_grad region");
        double[] qd = q.raw(), kd = k.raw(), vd = v.raw(), od = dout.raw();
        RefTensor target = switch (wrt) {
            case "q" -> q;
            case "k" -> k;
            case "v" -> v;
            case "score" -> null;
            default -> throw new IllegalArgumentException("attention_grad: wrt must be q, k, v or score, got `" + wrt + "`");
        };
        long[] shape = target != null ? target.shape() : new long[] {batch, heads, tq, tk};
        double[] out = new double[(int) RefTensor.numel(shape)];
        double[] z = new double[tk], u = new double[tk], p = new double[tk], o = new double[dv];
        boolean[] visible = new boolean[tk];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++) {
                int kvBase = (b * kvHeads + h / group) * tk;
                for (int i = 0; i < tq; i++) {
                    int qOff = ((b * heads + h) * tq + i) * d, oOff = ((b * heads + h) * tq + i) * dv;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < tk; j++) {
                        visible[j] = mask.isEmpty() || regions.run(mask.get(), b, h, i, j) != 0;
                        if (!visible[j]) continue;
                        double dot = 0;
                        for (int c = 0; c < d; c++) dot += qd[qOff + c] * kd[(kvBase + j) * d + c];
                        z[j] = scale * dot;
                        u[j] = score.isPresent() ? regions.run(score.get(), b, h, i, j, z[j]) : z[j];
                        max = Math.max(max, u[j]);
                    }
                    if (max == Double.NEGATIVE_INFINITY) continue; // the forward row is zero whatever q, k, v are
                    double sum = 0;
                    for (int j = 0; j < tk; j++) if (visible[j]) sum += p[j] = Math.exp(u[j] - max);
                    java.util.Arrays.fill(o, 0);
                    for (int j = 0; j < tk; j++) {
                        if (!visible[j]) continue;
                        p[j] /= sum;
                        for (int c = 0; c < dv; c++) o[c] += p[j] * vd[(kvBase + j) * dv + c];
                    }
                    double dotOut = 0;
                    for (int c = 0; c < dv; c++) dotOut += od[oOff + c] * o[c];
                    for (int j = 0; j < tk; j++) {
                        if (!visible[j] || p[j] == 0) continue;
                        int kOff = (kvBase + j) * d, vOff = (kvBase + j) * dv;
                        double dp = 0;
                        for (int c = 0; c < dv; c++) dp += od[oOff + c] * vd[vOff + c];
                        double du = p[j] * (dp - dotOut);
                        switch (wrt) {
                            case "score" -> out[((b * heads + h) * tq + i) * tk + j] = du;
                            case "v" -> { for (int c = 0; c < dv; c++) out[vOff + c] += p[j] * od[oOff + c]; }
                            default -> {
                                double dz = scale * du * (score.isPresent() ? regions.run(scoreGrad.get(), b, h, i, j, z[j]) : 1.0);
                                if (wrt.equals("q")) for (int c = 0; c < d; c++) out[qOff + c] += dz * kd[kOff + c];
                                else for (int c = 0; c < d; c++) out[kOff + c] += dz * qd[qOff + c];
                            }
                        }
                    }
                }
            }
        return RefTensor.wrap(op.type().dtype(), shape, out);
    }
}
