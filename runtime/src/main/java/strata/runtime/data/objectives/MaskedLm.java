package strata.runtime.data.objectives;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Masked-LM inputs and labels (CATALOGUE T2, T4). BERT (Devlin et al. 2019, section 3.1 and
 * appendix A.1): each ordinary token is selected with probability {@code rate} (15%); a selected
 * token becomes [MASK] with probability 80%, a random ordinary token with 10% and stays as it is
 * with 10%; its label is its original id, every other label -100. With {@link Spans.Geometric}
 * the selection is SpanBERT's (Joshi et al. 2020, section 3.1): contiguous spans of truncated
 * geometric length are chosen until 15% of the ordinary tokens are, and the 80/10/10 decision is
 * made once per span. Specials ([CLS], [SEP], [PAD], ...) are never selected.
 *
 * <p>Static masking keys the draws by the example's content, so an example is masked the same way
 * every time it is seen (BERT's masks, fixed at pre-processing); dynamic masking keys them by
 * (step, row), so the mask is drawn again each time (RoBERTa, Liu et al. 2019, section 4.1).
 */
public record MaskedLm(Vocabulary vocab, double rate, double maskShare, double randomShare, Masking masking, Spans spans) {
    public static final int IGNORE = -100;
    private static final int TAG = 1;

    public enum Masking { STATIC, DYNAMIC }

    /** How the selected positions are grouped: single tokens, or spans of geometric length. */
    public sealed interface Spans {
        record Tokens() implements Spans {}

        record Geometric(double p, int max) implements Spans {
            public Geometric {
                if (!(p > 0 && p <= 1) || max < 1) throw new IllegalArgumentException("a geometric span needs 0 < p <= 1 and max >= 1, got p = " + p + ", max = " + max);
            }
        }
    }

    /** The inputs the model reads and the labels it is scored on ({@link #IGNORE} where not selected). */
    public record Masked(int[] tokens, int[] labels) {}

    public MaskedLm {
        if (!(rate >= 0 && rate <= 1)) throw new IllegalArgumentException("the selection rate must be in [0, 1], got " + rate);
        if (!(maskShare >= 0 && randomShare >= 0 && maskShare + randomShare <= 1))
            throw new IllegalArgumentException("the [MASK] and random shares must be non-negative and sum to at most 1, got " + maskShare + " and " + randomShare);
        vocab.id(Vocabulary.MASK);
        if (vocab.specials().size() >= vocab.size()) throw new IllegalArgumentException("the vocabulary has no ordinary token to draw");
    }

    /** BERT's recipe: 15% of tokens, 80/10/10, drawn again every step (RoBERTa's dynamic masking). */
    public static MaskedLm bert(Vocabulary vocab) { return new MaskedLm(vocab, 0.15, 0.8, 0.1, Masking.DYNAMIC, new Spans.Tokens()); }

    /** SpanBERT's: the same 15% and 80/10/10, over spans of geometric length (p = 0.2, at most 10). */
    public static MaskedLm spanBert(Vocabulary vocab) { return new MaskedLm(vocab, 0.15, 0.8, 0.1, Masking.DYNAMIC, new Spans.Geometric(0.2, 10)); }

    public MaskedLm withMasking(Masking m) { return new MaskedLm(vocab, rate, maskShare, randomShare, m, spans); }

    /** Masks one example: row {@code row} of batch {@code step} of a run seeded with {@code seed}. */
    public Masked apply(int[] tokens, long seed, long step, int row) {
        Draws d = masking == Masking.DYNAMIC ? Draws.of(seed, TAG, step, row) : Draws.of(seed, TAG, Arrays.hashCode(tokens) * 0x9E3779B97F4A7C15L + tokens.length, 0);
        BitSet special = vocab.specialSet();
        int[] out = tokens.clone(), labels = new int[tokens.length];
        Arrays.fill(labels, IGNORE);
        for (int t : tokens) if (t < 0 || t >= vocab.size()) throw new IllegalArgumentException("token id " + t + " is outside the vocabulary of " + vocab.size());
        switch (spans) {
            case Spans.Tokens() -> {
                for (int i = 0; i < tokens.length; i++) {
                    if (special.get(tokens[i]) || d.uniform() >= rate) continue;
                    replace(out, labels, tokens, i, i + 1, d, special);
                }
            }
            case Spans.Geometric g -> {
                int eligible = 0;
                for (int t : tokens) if (!special.get(t)) eligible++;
                int budget = (int) Math.round(rate * eligible), chosen = 0;
                // a span is kept only where all its tokens are ordinary and unselected; the tries
                // are bounded so that a text of scattered specials cannot loop forever
                for (int tries = 0; chosen < budget && tries < 16 * tokens.length + 64; tries++) {
                    int len = Math.min(d.truncatedGeometric(g.p(), g.max()), budget - chosen);
                    if (len > tokens.length) continue;
                    int start = d.below(tokens.length - len + 1);
                    boolean free = true;
                    for (int i = start; i < start + len && free; i++) free = !special.get(tokens[i]) && labels[i] == IGNORE;
                    if (!free) continue;
                    replace(out, labels, tokens, start, start + len, d, special);
                    chosen += len;
                }
            }
        }
        return new Masked(out, labels);
    }

    /** The 80/10/10 decision for positions [from, to), made once; a random token is drawn per position. */
    private void replace(int[] out, int[] labels, int[] tokens, int from, int to, Draws d, BitSet special) {
        double u = d.uniform();
        for (int i = from; i < to; i++) {
            labels[i] = tokens[i];
            if (u < maskShare) out[i] = vocab.id(Vocabulary.MASK);
            else if (u < maskShare + randomShare) out[i] = randomOrdinary(d, special);
        }
    }

    /** A uniform ordinary token: draws until one is not special (most ids are ordinary). */
    private int randomOrdinary(Draws d, BitSet special) {
        while (true) {
            int t = d.below(vocab.size());
            if (!special.get(t)) return t;
        }
    }
}
