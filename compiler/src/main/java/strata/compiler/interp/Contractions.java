package strata.compiler.interp;

import java.util.Arrays;
import strata.compiler.graph.Op;

/** matmul: {@code [..., M, K] @ [..., K, N]} with either operand transposed and batch dims broadcast; sums in double. */
final class Contractions {
    private Contractions() {}

    static RefTensor matmul(Op op, RefTensor a, RefTensor b) {
        boolean ta = op.boolAttr("transpose_a", false), tb = op.boolAttr("transpose_b", false);
        long[] sa = a.shape(), sb = b.shape();
        int ra = sa.length, rb = sb.length;
        // a's element (m, k) lies at m * am + k * ak within one batch; likewise b's (k, n)
        int m = (int) (ta ? sa[ra - 1] : sa[ra - 2]), k = (int) (ta ? sa[ra - 2] : sa[ra - 1]);
        int kb = (int) (tb ? sb[rb - 1] : sb[rb - 2]), n = (int) (tb ? sb[rb - 2] : sb[rb - 1]);
        if (k != kb) throw new IllegalArgumentException("matmul inner dims differ: " + Arrays.toString(sa) + " @ " + Arrays.toString(sb));
        int am = ta ? 1 : k, ak = ta ? m : 1, bk = tb ? 1 : n, bn = tb ? k : 1;
        long[] batchA = Arrays.copyOf(sa, ra - 2), batchB = Arrays.copyOf(sb, rb - 2);
        long[] batch = Layout.broadcastShape(batchA, batchB);
        int[] mapA = Layout.broadcastMap(batch, batchA), mapB = Layout.broadcastMap(batch, batchB);
        double[] x = a.raw(), y = b.raw();
        double[] r = new double[mapA.length * m * n];
        for (int t = 0; t < mapA.length; t++) {
            int offA = mapA[t] * m * k, offB = mapB[t] * k * n, offR = t * m * n;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int p = 0; p < k; p++) acc += x[offA + i * am + p * ak] * y[offB + p * bk + j * bn];
                    r[offR + i * n + j] = acc;
                }
        }
        long[] shape = Arrays.copyOf(batch, batch.length + 2);
        shape[batch.length] = m;
        shape[batch.length + 1] = n;
        return RefTensor.wrap(op.type().dtype(), shape, r);
    }
}
