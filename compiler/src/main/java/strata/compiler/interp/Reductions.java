package strata.compiler.interp;

import java.util.List;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;

/**
 * Ops that reduce along axes: sum, max and argmax, and the composites built on a reduction
 * over one axis: softmax, layer_norm, rms_norm and cross_entropy. Accumulation is in double.
 */
final class Reductions {
    private Reductions() {}

    /** sum, max or argmax over the {@code axes} attribute, keeping them as extent 1 when {@code keepdims}. */
    static RefTensor reduce(Op op, RefTensor x) {
        List<Long> axes = op.attrs().containsKey("axes") ? op.intsAttr("axes") : List.of();
        boolean keep = op.boolAttr("keepdims", false);
        long[] in = x.shape();
        boolean[] reduced = new boolean[in.length];
        for (long a : axes) reduced[Layout.axis(a, in.length)] = true;
        long[] kept = in.clone();
        for (int i = 0; i < in.length; i++) if (reduced[i]) kept[i] = 1;
        // the output position of each input position: its index with the reduced axes set to 0
        int[] outStrides = Layout.strides(kept);
        int n = x.size(), outSize = Layout.size(kept);
        int[] idx = new int[in.length];
        double[] acc = new double[outSize];
        long[] arg = new long[outSize];
        int reduceAxis = op.kind() == OpKind.ARGMAX ? Layout.axis(axes.getFirst(), in.length) : -1;
        if (op.kind() != OpKind.SUM) java.util.Arrays.fill(acc, Double.NEGATIVE_INFINITY);
        boolean[] seenNaN = new boolean[outSize];
        for (int p = 0; p < n; p++) {
            int o = 0;
            for (int a = 0; a < in.length; a++) if (!reduced[a]) o += idx[a] * outStrides[a];
            double v = x.at(p);
            switch (op.kind()) {
                case SUM -> acc[o] += v;
                case REDUCE_MAX -> acc[o] = Math.max(acc[o], v); // NaN propagates
                case ARGMAX -> {
                    // the first maximum; a NaN counts as the maximum, as in numpy
                    boolean first = idx[reduceAxis] == 0;
                    if (first || (!seenNaN[o] && (Double.isNaN(v) || v > acc[o]))) {
                        acc[o] = v;
                        arg[o] = idx[reduceAxis];
                        seenNaN[o] = Double.isNaN(v);
                    }
                }
                default -> throw new IllegalStateException(op.kind() + " is not a reduction");
            }
            for (int a = in.length - 1; a >= 0; a--) {
                if (++idx[a] < in[a]) break;
                idx[a] = 0;
            }
        }
        if (op.kind() == OpKind.ARGMAX) for (int i = 0; i < outSize; i++) acc[i] = arg[i];
        long[] shape = keep ? kept : dropAxes(in, reduced);
        return RefTensor.wrap(op.type().dtype(), shape, acc);
    }

    private static long[] dropAxes(long[] shape, boolean[] drop) {
        int n = 0;
        for (boolean d : drop) if (!d) n++;
        long[] out = new long[n];
        for (int i = 0, j = 0; i < shape.length; i++) if (!drop[i]) out[j++] = shape[i];
        return out;
    }

    /** softmax along an axis: exp(x - max) / sum exp(x - max). */
    static RefTensor softmax(Op op, RefTensor x) {
        long[] s = x.shape();
        int axis = Layout.axis(op.intAttr("axis"), s.length);
        int outer = Layout.extent(s, 0, axis), len = (int) s[axis], inner = Layout.extent(s, axis + 1, s.length);
        double[] in = x.raw(), r = new double[in.length];
        double[] row = new double[len];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++) {
                int base = o * len * inner + i;
                for (int k = 0; k < len; k++) row[k] = in[base + k * inner];
                softmaxInPlace(row, len);
                for (int k = 0; k < len; k++) r[base + k * inner] = row[k];
            }
        return RefTensor.wrap(x.dtype(), s, r);
    }

    /** Replaces row[0..n) by its softmax, subtracting the maximum first so that exp cannot overflow. */
    static void softmaxInPlace(double[] row, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < n; k++) max = Math.max(max, row[k]);
        double sum = 0;
        for (int k = 0; k < n; k++) sum += row[k] = Math.exp(row[k] - max);
        for (int k = 0; k < n; k++) row[k] /= sum;
    }

    /**
     * layer_norm (Ba, Kiros and Hinton, 2016) over the last axis: (x - mean) / sqrt(var + eps),
     * with the biased variance, times gamma plus beta when given. rms_norm (Zhang and Sennrich,
     * 2019): x / sqrt(mean(x^2) + eps), times gamma plus beta when given.
     */
    static RefTensor norm(Op op, List<RefTensor> args) {
        RefTensor x = args.getFirst();
        double eps = op.floatAttr("eps", 1e-5);
        boolean centered = op.kind() == OpKind.LAYER_NORM;
        int d = (int) x.dim(-1), rows = x.size() / Math.max(d, 1);
        double[] in = x.raw(), r = new double[in.length];
        double[] gamma = args.size() > 1 ? args.get(1).raw() : null, beta = args.size() > 2 ? args.get(2).raw() : null;
        for (int row = 0; row < rows; row++) {
            int base = row * d;
            double mean = 0;
            if (centered) {
                for (int j = 0; j < d; j++) mean += in[base + j];
                mean /= d;
            }
            double sq = 0;
            for (int j = 0; j < d; j++) {
                double c = in[base + j] - mean;
                sq += c * c;
            }
            double inv = 1.0 / Math.sqrt(sq / d + eps);
            for (int j = 0; j < d; j++) {
                double v = (in[base + j] - mean) * inv;
                if (gamma != null) v *= gamma[j];
                if (beta != null) v += beta[j];
                r[base + j] = v;
            }
        }
        return RefTensor.wrap(x.dtype(), x.shape(), r);
    }

    /**
     * Per-position cross entropy: logsumexp(logits) - logits[target] = -log softmax(logits)[target];
     * 0 where the target equals the {@code ignore_index} attribute, when there is one.
     */
    static RefTensor crossEntropy(Op op, RefTensor logits, RefTensor targets) {
        boolean hasIgnore = op.attrs().containsKey("ignore_index");
        long ignore = hasIgnore ? op.intAttr("ignore_index") : 0;
        int v = (int) logits.dim(-1), rows = targets.size();
        double[] in = logits.raw(), r = new double[rows];
        for (int row = 0; row < rows; row++) {
            long t = (long) targets.at(row);
            if (hasIgnore && t == ignore) continue;
            if (t < 0 || t >= v)
                throw new IllegalArgumentException("cross_entropy: target " + t + " at position " + row + " is outside [0, " + v + ")");
            int base = row * v;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) max = Math.max(max, in[base + j]);
            double sum = 0;
            for (int j = 0; j < v; j++) sum += Math.exp(in[base + j] - max);
            r[row] = max + Math.log(sum) - in[base + (int) t];
        }
        return RefTensor.wrap(logits.dtype(), targets.shape(), r);
    }
}
