package strata.runtime.data.objectives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** BERT's and SpanBERT's masking: the rates of the papers within binomial bounds, specials untouched, labels exact, draws pure. */
class MaskedLmTest {
    static final int ORDINARY = 65;
    static final Vocabulary VOCAB = Vocabulary.appended(ORDINARY, List.of(Vocabulary.CLS, Vocabulary.SEP, Vocabulary.MASK, Vocabulary.PAD), 0);
    static final int MASK = VOCAB.id(Vocabulary.MASK);

    /** Text of ordinary ids with about one special in eight, as a padded sentence pair has. */
    static int[] text(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(8) == 0 ? ORDINARY + r.nextInt(4) : r.nextInt(ORDINARY);
        return t;
    }

    /** |count - n p| within 5 standard deviations of a Binomial(n, p): a false alarm once in ~2 million seeds. */
    static void binomial(String what, long count, long n, double p) {
        double sd = Math.sqrt(n * p * (1 - p));
        assertTrue(Math.abs(count - n * p) <= 5 * sd, what + ": " + count + " of " + n + ", expected " + n * p + " +- " + 5 * sd);
    }

    @Test
    void selectionAndReplacementRatesAreBertsWithinBinomialBounds() {
        qt().withExamples(10).forAll(longs().all()).checkAssert(seed -> {
            MaskedLm mlm = MaskedLm.bert(VOCAB);
            long eligible = 0, selected = 0, masked = 0, random = 0, kept = 0;
            for (int row = 0; row < 200; row++) {
                int[] t = text(seed + row, 64);
                MaskedLm.Masked m = mlm.apply(t, seed, 7, row);
                for (int i = 0; i < t.length; i++) {
                    if (VOCAB.isSpecial(t[i])) continue;
                    eligible++;
                    if (m.labels()[i] == MaskedLm.IGNORE) continue;
                    selected++;
                    if (m.tokens()[i] == MASK) masked++;
                    else if (m.tokens()[i] == t[i]) kept++;
                    else random++;
                }
            }
            binomial("selected", selected, eligible, 0.15);
            binomial("[MASK]", masked, selected, 0.8);
            // a random replacement draws the original itself once in 65
            binomial("random", random, selected, 0.1 * (ORDINARY - 1) / ORDINARY);
            binomial("unchanged", kept, selected, 0.1 + 0.1 / ORDINARY);
        });
    }

    @Test
    void specialsAreNeverSelectedAndLabelsAreExactlyTheOriginalsWhereSelected() {
        qt().withExamples(200).forAll(longs().all(), integers().between(1, 300), integers().between(0, 1)).checkAssert((seed, n, spans) -> {
            MaskedLm mlm = spans == 0 ? MaskedLm.bert(VOCAB) : MaskedLm.spanBert(VOCAB);
            int[] t = text(seed, n);
            MaskedLm.Masked m = mlm.apply(t, seed, 3, 1);
            for (int i = 0; i < n; i++) {
                boolean sel = m.labels()[i] != MaskedLm.IGNORE;
                if (VOCAB.isSpecial(t[i])) assertFalse(sel, "special " + t[i] + " selected at " + i);
                if (sel) assertEquals(t[i], m.labels()[i]);
                else assertEquals(t[i], m.tokens()[i], "an unselected token is left as it is");
                if (sel && m.tokens()[i] != MASK) assertFalse(VOCAB.isSpecial(m.tokens()[i]), "a random replacement is ordinary");
            }
        });
    }

    @Test
    void dynamicMaskingIsAPureFunctionOfSeedStepAndRowAndChangesWithTheStep() {
        qt().withExamples(100).forAll(longs().all(), longs().between(0, 1 << 20), integers().between(0, 63)).checkAssert((seed, step, row) -> {
            MaskedLm mlm = MaskedLm.bert(VOCAB);
            int[] t = text(seed, 256);
            MaskedLm.Masked a = mlm.apply(t, seed, step, row), b = mlm.apply(t, seed, step, row);
            assertArrayEquals(a.tokens(), b.tokens());
            assertArrayEquals(a.labels(), b.labels());
            // 256 tokens masked twice the same way: probability about (0.85^2 + 0.15^2)^224, nil
            assertFalse(java.util.Arrays.equals(a.labels(), mlm.apply(t, seed, step + 1, row).labels()), "the mask is drawn again at the next step");
            assertFalse(java.util.Arrays.equals(a.labels(), mlm.apply(t, seed, step, row + 1).labels()), "each row draws its own");
        });
    }

    @Test
    void staticMaskingGivesAnExampleTheSameMaskAtEveryStep() {
        qt().withExamples(100).forAll(longs().all(), longs().between(0, 1 << 20), integers().between(0, 63)).checkAssert((seed, step, row) -> {
            MaskedLm mlm = MaskedLm.bert(VOCAB).withMasking(MaskedLm.Masking.STATIC);
            int[] t = text(seed, 128);
            MaskedLm.Masked a = mlm.apply(t, seed, step, row), b = mlm.apply(t.clone(), seed, step + 17, row + 5);
            assertArrayEquals(a.tokens(), b.tokens());
            assertArrayEquals(a.labels(), b.labels());
        });
    }

    /** The mean of SpanBERT's span length, Geometric(0.2) truncated to [1, 10], in closed form: sum l p q^(l-1) / (1 - q^10). */
    static double truncatedGeometricMean(double p, int max) {
        double q = 1 - p, s = 0;
        for (int l = 1; l <= max; l++) s += l * p * Math.pow(q, l - 1);
        return s / (1 - Math.pow(q, max));
    }

    @Test
    void geometricSpanLengthsHaveSpanBertsMean() {
        double mean = truncatedGeometricMean(0.2, 10);
        assertEquals(3.8, mean, 0.05, "SpanBERT section 3.1 states a mean of 3.8");
        qt().withExamples(10).forAll(longs().all()).checkAssert(seed -> {
            Draws d = new Draws(seed, 0, 0);
            int n = 20_000;
            double sum = 0, sq = 0;
            for (int i = 0; i < n; i++) {
                int l = d.truncatedGeometric(0.2, 10);
                assertTrue(l >= 1 && l <= 10, "length " + l);
                sum += l;
                sq += (double) l * l;
            }
            double m = sum / n, sd = Math.sqrt(sq / n - m * m);
            assertEquals(mean, m, 5 * sd / Math.sqrt(n), "sample mean of " + n + " lengths");
        });
    }

    @Test
    void spanMaskingSelectsFifteenPercentInWholeSpansWithOneDecisionEach() {
        qt().withExamples(100).forAll(longs().all(), integers().between(20, 400)).checkAssert((seed, n) -> {
            SplittableRandom r = new SplittableRandom(seed);
            int[] t = new int[n];
            for (int i = 0; i < n; i++) t[i] = r.nextInt(ORDINARY);
            MaskedLm.Masked m = MaskedLm.spanBert(VOCAB).apply(t, seed, 0, 0);
            long selected = java.util.Arrays.stream(m.labels()).filter(l -> l != MaskedLm.IGNORE).count();
            assertEquals(Math.round(0.15 * n), selected, "the budget is met exactly on text without specials");
        });
    }

    @Test
    void badInputSaysWhatIsWrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MaskedLm.bert(VOCAB).apply(new int[] {1, 99}, 0, 0, 0))
                .getMessage().contains("token id 99 is outside the vocabulary of 69"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MaskedLm.bert(Vocabulary.appended(5, List.of(Vocabulary.CLS), 0)))
                .getMessage().contains("no [MASK] token"));
        assertThrows(IllegalArgumentException.class, () -> new MaskedLm(VOCAB, 0.15, 0.8, 0.3, MaskedLm.Masking.DYNAMIC, new MaskedLm.Spans.Tokens()));
    }
}
