package strata.runtime.data.objectives;

import strata.runtime.data.CounterRandom;

/**
 * A cursor over the counter-based stream of one (seed, stream, counter): the k-th draw is
 * {@code CounterRandom.bits(seed, stream, counter, k)}, so a transform that makes its draws in a
 * fixed order is a pure function of those three numbers and its input.
 */
final class Draws {
    private final long seed, stream, counter;
    private long index;

    Draws(long seed, long stream, long counter) {
        this.seed = seed;
        this.stream = stream;
        this.counter = counter;
    }

    /** The stream of objective {@code tag} for batch row {@code row}: rows and objectives never share draws. */
    static Draws of(long seed, int tag, long counter, int row) {
        return new Draws(seed, ((long) tag << 32) | (row & 0xFFFFFFFFL), counter);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    double uniform() { return (CounterRandom.bits(seed, stream, counter, index++) >>> 11) * 0x1.0p-53; }

    /** Uniform in [0, bound). */
    int below(int bound) { return (int) CounterRandom.below(bound, seed, stream, counter, index++); }

    /**
     * A geometric length in [1, max] with P(l) proportional to p (1 - p)^(l - 1): SpanBERT's span
     * lengths (Joshi et al. 2020, section 3.1: p = 0.2, clipped at 10, mean 3.8), drawn by inverting
     * the truncated CDF F(l) = (1 - q^l) / (1 - q^max), q = 1 - p.
     */
    int truncatedGeometric(double p, int max) {
        double q = 1 - p, u = uniform();
        int l = 1 + (int) Math.floor(Math.log1p(-u * (1 - Math.pow(q, max))) / Math.log(q));
        return Math.clamp(l, 1, max);
    }

    /**
     * Poisson(lambda) by Knuth's product of uniforms (TAOCP vol. 2, 3.4.1), fine for the small
     * lambda of GLM's spans (lambda = 3); the loop ends with probability 1 and on average after lambda + 1 draws.
     */
    int poisson(double lambda) {
        double limit = Math.exp(-lambda), prod = uniform();
        int k = 0;
        while (prod > limit) {
            prod *= uniform();
            k++;
        }
        return k;
    }

    /** {@code k} distinct values of [0, n), ascending: Floyd's sampling (Bentley, CACM 30(9), 1987). */
    int[] subset(int k, int n) {
        if (k < 0 || k > n) throw new IllegalArgumentException("cannot pick " + k + " of " + n);
        java.util.BitSet chosen = new java.util.BitSet(n);
        for (int j = n - k; j < n; j++) {
            int t = below(j + 1);
            chosen.set(chosen.get(t) ? j : t);
        }
        return chosen.stream().toArray();
    }

    /** A uniform permutation of [0, n) by Fisher-Yates. */
    int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = below(i + 1), t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * {@code total} items cut into {@code parts} non-empty runs, uniformly over such cuts: the
     * Mesh TensorFlow T5 code's {@code _random_segmentation} (parts - 1 distinct cut points in [1, total)).
     */
    int[] segmentation(int total, int parts) {
        if (parts < 1 || parts > total) throw new IllegalArgumentException("cannot cut " + total + " items into " + parts + " non-empty runs");
        int[] cuts = subset(parts - 1, total - 1);
        int[] lengths = new int[parts];
        int prev = 0;
        for (int i = 0; i < parts - 1; i++) {
            lengths[i] = cuts[i] + 1 - prev;
            prev = cuts[i] + 1;
        }
        lengths[parts - 1] = total - prev;
        return lengths;
    }
}
