package strata.runtime.data.objectives;

import java.util.Arrays;

/**
 * T5's span corruption (CATALOGUE T5; Raffel et al. 2020, section 3.1.4): {@code noise} (15%) of the
 * tokens are dropped in spans of mean length {@code meanSpan} (3); the input keeps the rest with
 * each dropped span replaced by its own sentinel, and the target lists each sentinel followed by the
 * span it stands for, closed by one more sentinel. Span placement is that of the Mesh TensorFlow
 * code (t5.data.preprocessors.random_spans_noise_mask): round(n * noise) noise tokens in
 * round(noise tokens / meanSpan) spans, noise and kept tokens each cut into that many non-empty
 * runs uniformly at random and interleaved, kept run first. Both sequences end with the
 * end-of-sequence token when the vocabulary has one.
 */
public record SpanCorruption(Vocabulary vocab, double noise, double meanSpan) {
    private static final int TAG = 4;

    /** The encoder's input and the decoder's target (before shifting). */
    public record Corrupted(int[] input, int[] target) {}

    public SpanCorruption {
        if (!(noise > 0 && noise < 1)) throw new IllegalArgumentException("the noise density must be in (0, 1), got " + noise);
        if (!(meanSpan >= 1)) throw new IllegalArgumentException("the mean span length must be at least 1, got " + meanSpan);
        if (vocab.sentinels() < 2) throw new IllegalArgumentException("span corruption needs sentinels <extra_id_0>, <extra_id_1>, ... in the vocabulary");
    }

    public static SpanCorruption t5(Vocabulary vocab) { return new SpanCorruption(vocab, 0.15, 3.0); }

    /** Spans dropped from a text of {@code n} tokens (fixed by n, as in the T5 code). */
    public int spans(int n) {
        int noisy = noiseTokens(n);
        return Math.clamp(Math.round(noisy / meanSpan), 1, Math.min(noisy, n - noisy));
    }

    private int noiseTokens(int n) { return Math.clamp(Math.round(n * noise), 1, n - 1); }

    /** Lengths of the input and target for a text of {@code n} tokens. */
    public int inputLength(int n) { return n - noiseTokens(n) + spans(n) + eos(); }

    public int targetLength(int n) { return noiseTokens(n) + spans(n) + 1 + eos(); }

    private int eos() { return vocab.specials().containsKey(Vocabulary.EOS) ? 1 : 0; }

    public Corrupted apply(int[] tokens, long seed, long step, int row) {
        int n = tokens.length;
        if (n < 2) throw new IllegalArgumentException("span corruption needs at least 2 tokens, got " + n);
        int spans = spans(n);
        if (spans + 1 > vocab.sentinels())
            throw new IllegalArgumentException(n + " tokens give " + spans + " spans and need " + (spans + 1) + " sentinels; the vocabulary has " + vocab.sentinels());
        Draws d = Draws.of(seed, TAG, step, row);
        int[] noiseRuns = d.segmentation(noiseTokens(n), spans), keptRuns = d.segmentation(n - noiseTokens(n), spans);
        int[] input = new int[inputLength(n)], target = new int[targetLength(n)];
        int at = 0, in = 0, out = 0;
        for (int s = 0; s < spans; s++) {
            for (int k = 0; k < keptRuns[s]; k++) input[in++] = tokens[at++];
            input[in++] = vocab.sentinel(s);
            target[out++] = vocab.sentinel(s);
            for (int k = 0; k < noiseRuns[s]; k++) target[out++] = tokens[at++];
        }
        target[out++] = vocab.sentinel(spans);
        if (eos() == 1) {
            input[in++] = vocab.id(Vocabulary.EOS);
            target[out++] = vocab.id(Vocabulary.EOS);
        }
        assert at == n && in == input.length && out == target.length;
        return new Corrupted(input, target);
    }

    /** The law span corruption keeps: each sentinel of the input, replaced by its span from the target, gives the text back. */
    public int[] uncorrupt(Corrupted c) {
        int[] out = new int[c.input().length + c.target().length];
        int n = 0, sentinels = vocab.sentinels(), eos = eos() == 1 ? vocab.id(Vocabulary.EOS) : -1;
        for (int t : c.input()) {
            if (t == eos) break;
            int s = sentinelIndex(t, sentinels);
            if (s < 0) { out[n++] = t; continue; }
            int i = indexOf(c.target(), vocab.sentinel(s));
            if (i < 0) throw new IllegalArgumentException("sentinel " + s + " of the input is not in the target");
            for (i++; i < c.target().length && sentinelIndex(c.target()[i], sentinels) < 0 && c.target()[i] != eos; i++) out[n++] = c.target()[i];
        }
        return Arrays.copyOf(out, n);
    }

    private int sentinelIndex(int t, int sentinels) {
        for (int s = 0; s < sentinels; s++) if (vocab.sentinel(s) == t) return s;
        return -1;
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) if (a[i] == v) return i;
        return -1;
    }

    /** The decoder's input: the target shifted right behind {@code start} (T5 uses the pad id, 0). */
    public static int[] shiftRight(int[] target, int start) {
        int[] out = new int[target.length];
        out[0] = start;
        System.arraycopy(target, 0, out, 1, target.length - 1);
        return out;
    }
}
