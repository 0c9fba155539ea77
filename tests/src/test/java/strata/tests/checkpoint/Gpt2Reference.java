package strata.tests.checkpoint;

import java.util.Map;
import strata.runtime.Tensor;

/**
 * GPT-2's forward pass in plain Java, in double precision, straight from the tensors of a Hugging
 * Face checkpoint in their own layout (Radford et al. 2019; transformers modeling_gpt2.py):
 * pre-norm blocks, Conv1D as x W + b with W [in, out], q, k and v as the three column blocks of
 * c_attn, heads as consecutive column groups, causal softmax attention scaled by 1/sqrt(head dim),
 * GELU in its tanh form, LayerNorm with eps 1e-5, the LM head tied to wte. It shares no code with
 * the Strata model or the mapping, so that agreeing with it checks both.
 */
final class Gpt2Reference {
    private Gpt2Reference() {}

    /** Logits [T][vocab] for one sequence. */
    static double[][] logits(Map<String, Tensor> w, int[] tokens, int layers, int heads) {
        Tensor wte = w.get("wte.weight"), wpe = w.get("wpe.weight");
        int t = tokens.length, d = (int) wte.shape()[1], vocab = (int) wte.shape()[0], hd = d / heads;
        double[][] x = new double[t][d];
        for (int i = 0; i < t; i++) for (int j = 0; j < d; j++) x[i][j] = wte.get((long) tokens[i] * d + j) + wpe.get((long) i * d + j);
        for (int l = 0; l < layers; l++) {
            String h = "h." + l + ".";
            double[][] qkv = conv1d(norm(x, w.get(h + "ln_1.weight"), w.get(h + "ln_1.bias")), w.get(h + "attn.c_attn.weight"), w.get(h + "attn.c_attn.bias"));
            double[][] o = new double[t][d];
            for (int head = 0; head < heads; head++)
                for (int q = 0; q < t; q++) {
                    double[] s = new double[q + 1];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int k = 0; k <= q; k++) { // causal: keys up to the query
                        for (int e = 0; e < hd; e++) s[k] += qkv[q][head * hd + e] * qkv[k][d + head * hd + e];
                        s[k] /= Math.sqrt(hd);
                        max = Math.max(max, s[k]);
                    }
                    for (int k = 0; k <= q; k++) sum += s[k] = Math.exp(s[k] - max);
                    for (int k = 0; k <= q; k++)
                        for (int e = 0; e < hd; e++) o[q][head * hd + e] += s[k] / sum * qkv[k][2 * d + head * hd + e];
                }
            add(x, conv1d(o, w.get(h + "attn.c_proj.weight"), w.get(h + "attn.c_proj.bias")));
            double[][] f = conv1d(norm(x, w.get(h + "ln_2.weight"), w.get(h + "ln_2.bias")), w.get(h + "mlp.c_fc.weight"), w.get(h + "mlp.c_fc.bias"));
            for (double[] row : f) for (int j = 0; j < row.length; j++) row[j] = gelu(row[j]);
            add(x, conv1d(f, w.get(h + "mlp.c_proj.weight"), w.get(h + "mlp.c_proj.bias")));
        }
        double[][] y = norm(x, w.get("ln_f.weight"), w.get("ln_f.bias"));
        double[][] out = new double[t][vocab];
        for (int i = 0; i < t; i++) for (int v = 0; v < vocab; v++) for (int j = 0; j < d; j++) out[i][v] += y[i][j] * wte.get((long) v * d + j);
        return out;
    }

    /** transformers' Conv1D: x W + b with W stored [in, out]. */
    private static double[][] conv1d(double[][] x, Tensor w, Tensor b) {
        int in = (int) w.shape()[0], outs = (int) w.shape()[1];
        double[][] y = new double[x.length][outs];
        for (int i = 0; i < x.length; i++)
            for (int o = 0; o < outs; o++) {
                double s = b.get(o);
                for (int k = 0; k < in; k++) s += x[i][k] * w.get((long) k * outs + o);
                y[i][o] = s;
            }
        return y;
    }

    private static double[][] norm(double[][] x, Tensor g, Tensor b) {
        double[][] y = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            int d = x[i].length;
            double mean = 0, var = 0;
            for (double v : x[i]) mean += v / d;
            for (double v : x[i]) var += (v - mean) * (v - mean) / d;
            y[i] = new double[d];
            for (int j = 0; j < d; j++) y[i][j] = (x[i][j] - mean) / Math.sqrt(var + 1e-5) * g.get(j) + b.get(j);
        }
        return y;
    }

    /** Hendrycks and Gimpel 2016, the tanh approximation GPT-2 uses (gelu_new). */
    private static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    private static void add(double[][] x, double[][] y) {
        for (int i = 0; i < x.length; i++) for (int j = 0; j < x[i].length; j++) x[i][j] += y[i][j];
    }
}
