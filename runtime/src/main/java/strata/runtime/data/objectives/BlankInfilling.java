package strata.runtime.data.objectives;

import java.util.Arrays;

/**
 * GLM's autoregressive blank infilling (CATALOGUE T5; Du et al. 2022, sections 2.1-2.3). Spans of
 * Poisson(lambda = 3) length are drawn until they cover {@code ratio} (15%) of the text; Part A is
 * the text with each span replaced by one [MASK]; Part B is the spans in a random order, each read
 * as [START] followed by its tokens and predicted as its tokens followed by [END] (the input shifted
 * by one). Positions are 2D (section 2.3): {@code positions} is the position in Part A, shared by all
 * of a span's tokens with its [MASK]; {@code blockPositions} is 0 in Part A and 1, 2, ... inside a
 * span of Part B. {@code prefix} = |Part A| is what the prefix-LM mask sees bidirectionally, and the
 * targets are -100 on Part A.
 *
 * <p>Poisson draws of 0 are drawn again (a span has at least one token); spans are kept apart by at
 * least one token, so that each [MASK] stands for one span, and the text left over is spread over
 * the gaps uniformly (stars and bars), which is how GLM's sampler places them.
 */
public record BlankInfilling(Vocabulary vocab, double ratio, double lambda) {
    public static final int IGNORE = -100;
    private static final int TAG = 5;

    public record Infilled(int[] tokens, int[] positions, int[] blockPositions, int[] targets, int prefix) {
        public int length() { return tokens.length; }
    }

    public BlankInfilling {
        for (String n : new String[] {Vocabulary.MASK, Vocabulary.START, Vocabulary.END}) vocab.id(n);
        if (!(ratio > 0 && ratio < 1)) throw new IllegalArgumentException("the masked ratio must be in (0, 1), got " + ratio);
        if (!(lambda > 0 && lambda < 50)) throw new IllegalArgumentException("the Poisson mean must be in (0, 50), got " + lambda);
    }

    public static BlankInfilling glm(Vocabulary vocab) { return new BlankInfilling(vocab, 0.15, 3.0); }

    /** The most tokens a text of {@code n} can become: Part A and Part B add two per span, and spans have at least one token. */
    public int maxLength(int n) { return n + 2 * budget(n); }

    private int budget(int n) { return (int) Math.ceil(ratio * n); }

    public Infilled apply(int[] text, long seed, long step, int row) {
        int n = text.length;
        if (n < 3) throw new IllegalArgumentException("blank infilling needs at least 3 tokens, got " + n);
        Draws d = Draws.of(seed, TAG, step, row);
        // span lengths until the budget is covered; the last is cut so that spans and their gaps fit
        int[] lengths = new int[budget(n)];
        int k = 0, covered = 0;
        while (covered < budget(n)) {
            int l;
            do l = d.poisson(lambda); while (l == 0);
            l = Math.min(l, n - covered - k - 1);   // keep room for a gap before each span and one kept token
            if (l < 1) break;
            lengths[k++] = l;
            covered += l;
        }
        lengths = Arrays.copyOf(lengths, k);
        // spread the free tokens over the k + 1 gaps; inner gaps get one token more
        int free = n - covered - (k - 1);
        int[] bars = d.subset(k, free + k), starts = new int[k];
        int at = 0, prev = -1;
        for (int s = 0; s < k; s++) {
            at += bars[s] - prev - 1 + (s > 0 ? 1 : 0);
            starts[s] = at;
            at += lengths[s];
            prev = bars[s];
        }
        // Part A
        int partA = n - covered + k;
        int total = partA + covered + k;
        int[] tokens = new int[total], positions = new int[total], blocks = new int[total], targets = new int[total];
        Arrays.fill(targets, IGNORE);
        int[] maskAt = new int[k];
        int a = 0, next = 0;
        for (int s = 0; s <= k; s++) {
            int end = s < k ? starts[s] : n;
            for (; next < end; next++) { tokens[a] = text[next]; positions[a] = a; a++; }
            if (s < k) {
                maskAt[s] = a;
                tokens[a] = vocab.id(Vocabulary.MASK);
                positions[a] = a;
                a++;
                next += lengths[s];
            }
        }
        // Part B: the spans in a random order
        int b = partA;
        for (int s : d.permutation(k)) {
            for (int j = 0; j <= lengths[s]; j++) {
                tokens[b] = j == 0 ? vocab.id(Vocabulary.START) : text[starts[s] + j - 1];
                targets[b] = j < lengths[s] ? text[starts[s] + j] : vocab.id(Vocabulary.END);
                positions[b] = maskAt[s];
                blocks[b] = j + 1;
                b++;
            }
        }
        assert a == partA && b == total;
        return new Infilled(tokens, positions, blocks, targets, partA);
    }

    /** The sample padded with [PAD] to {@code length} (positions 0, targets -100), for a batch of one shape. */
    public Infilled padded(Infilled x, int length) {
        if (x.length() > length) throw new IllegalArgumentException("a sample of " + x.length() + " tokens does not fit in " + length);
        int[] tokens = Arrays.copyOf(x.tokens(), length), targets = Arrays.copyOf(x.targets(), length);
        Arrays.fill(tokens, x.length(), length, vocab.id(Vocabulary.PAD));
        Arrays.fill(targets, x.length(), length, IGNORE);
        return new Infilled(tokens, Arrays.copyOf(x.positions(), length), Arrays.copyOf(x.blockPositions(), length), targets, x.prefix());
    }

    /** The law blank infilling keeps: each [MASK] of Part A, replaced by the Part B span that shares its position, gives the text back. */
    public int[] reconstruct(Infilled x) {
        int[] out = new int[x.length()];
        int n = 0;
        for (int i = 0; i < x.prefix(); i++) {
            if (x.tokens()[i] != vocab.id(Vocabulary.MASK)) { out[n++] = x.tokens()[i]; continue; }
            int j = x.prefix();
            while (j < x.length() && !(x.positions()[j] == i && x.blockPositions()[j] == 1)) j++;
            if (j == x.length()) throw new IllegalArgumentException("no span of Part B stands for the [MASK] at " + i);
            for (; x.targets()[j] != vocab.id(Vocabulary.END); j++) out[n++] = x.targets()[j];
        }
        return Arrays.copyOf(out, n);
    }
}
