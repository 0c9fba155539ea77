package strata.runtime.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits: greedy when the temperature is 0, otherwise a draw
 * from softmax(logits / temperature) restricted to the k most likely tokens (top-k, Fan et al.
 * 2018) and to the smallest set whose probability reaches p (nucleus sampling, Holtzman et al.
 * 2020). The random stream is the caller's, so a seed fixes a sample.
 */
public record Sampling(double temperature, int topK, double topP) {
    public Sampling {
        if (temperature < 0 || Double.isNaN(temperature)) throw new IllegalArgumentException("--temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("--top-k must be >= 0 (0: all tokens), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("--top-p must lie in (0, 1], got " + topP);
    }

    public static Sampling greedy() { return new Sampling(0, 0, 1); }

    /**
     * The next token after a window: a pick from the last position of {@code logits} [1, n, V],
     * among the first {@code vocabulary} ids (the tokenizer's, when the model has more rows; 0 for all).
     */
    public int pickLast(strata.runtime.Tensor logits, int vocabulary, SplittableRandom rnd) {
        long n = logits.shape()[1];
        int v = (int) logits.shape()[2];
        float[] row = new float[vocabulary > 0 ? Math.min(v, vocabulary) : v];
        for (int j = 0; j < row.length; j++) row[j] = (float) logits.get((n - 1) * v + j);
        return pick(row, rnd);
    }

    /** The chosen token id among {@code logits[0 .. n)}. */
    public int pick(float[] logits, SplittableRandom rnd) {
        int n = logits.length;
        if (temperature == 0) {
            int best = 0;
            for (int i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
            return best;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int keep = topK > 0 ? Math.min(topK, n) : n;
        double max = logits[order[0]];
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) sum += p[i] = Math.exp((logits[order[i]] - max) / temperature);
        // nucleus: the shortest prefix of the sorted tokens whose mass reaches topP
        double mass = 0;
        int cut = keep;
        for (int i = 0; i < keep; i++) {
            mass += p[i] / sum;
            if (mass >= topP) { cut = i + 1; break; }
        }
        double total = 0;
        for (int i = 0; i < cut; i++) total += p[i];
        double u = rnd.nextDouble() * total;
        for (int i = 0; i < cut; i++) {
            u -= p[i];
            if (u < 0) return order[i];
        }
        return order[cut - 1];
    }
}
