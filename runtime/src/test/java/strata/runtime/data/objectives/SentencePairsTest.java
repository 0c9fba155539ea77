package strata.runtime.data.objectives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** NSP and SOP pairs: BERT's layout, segment ids and lengths, and labels that say what was done to B. */
class SentencePairsTest {
    // a stream of distinct ids, so that where a segment came from can be read off its first token
    static final int N = 5000;
    static final Vocabulary VOCAB = Vocabulary.appended(N, List.of(Vocabulary.CLS, Vocabulary.SEP, Vocabulary.PAD), 0);
    static final int[] STREAM = java.util.stream.IntStream.range(0, N).toArray();

    record Split(int[] a, int[] b) {}

    /** [CLS] A [SEP] B [SEP] [PAD]...: checks the layout and gives A and B back. */
    static Split layout(SentencePairs.Pair p, int block) {
        int cls = VOCAB.id(Vocabulary.CLS), sep = VOCAB.id(Vocabulary.SEP), pad = VOCAB.id(Vocabulary.PAD);
        assertEquals(block, p.tokens().length);
        assertEquals(cls, p.tokens()[0]);
        int s1 = 1;
        while (p.tokens()[s1] != sep) s1++;
        assertEquals(sep, p.tokens()[p.length() - 1]);
        for (int i = p.length(); i < block; i++) assertEquals(pad, p.tokens()[i]);
        for (int i = 0; i < block; i++) assertEquals(i > s1 && i < p.length() ? 1 : 0, p.segments()[i], "segment at " + i);
        Split s = new Split(Arrays.copyOfRange(p.tokens(), 1, s1), Arrays.copyOfRange(p.tokens(), s1 + 1, p.length() - 1));
        assertTrue(s.a().length >= 1 && s.b().length >= 1, "both segments are non-empty");
        return s;
    }

    static boolean follows(int[] first, int[] then) { return then[0] == first[first.length - 1] + 1; }

    static boolean contiguous(int[] x) {
        for (int i = 1; i < x.length; i++) if (x[i] != x[i - 1] + 1) return false;
        return true;
    }

    @Test
    void nspLabelZeroMeansBFollowsAAndLabelsAreHalfAndHalf() {
        qt().withExamples(30).forAll(longs().all(), integers().between(5, 128)).checkAssert((seed, block) -> {
            int notNext = 0, rows = 400, shorter = 0;
            for (int row = 0; row < rows; row++) {
                SentencePairs.Pair p = SentencePairs.nsp(VOCAB).apply(STREAM, block, seed, 2, row);
                Split s = layout(p, block);
                assertTrue(contiguous(s.a()) && contiguous(s.b()), "segments are runs of the stream");
                assertEquals(p.label() == 0, follows(s.a(), s.b()), "label " + p.label() + " for A ending " + s.a()[s.a().length - 1] + ", B starting " + s.b()[0]);
                notNext += p.label();
                if (p.length() < block) shorter++;
            }
            MaskedLmTest.binomial("NotNext", notNext, rows, 0.5);
            if (block > 5) MaskedLmTest.binomial("short pairs", shorter, rows, 0.1 * (block - 5) / (block - 4.0));
        });
    }

    @Test
    void sopLabelOneMeansTheTwoSegmentsAreSwapped() {
        qt().withExamples(30).forAll(longs().all(), integers().between(5, 128)).checkAssert((seed, block) -> {
            int swapped = 0, rows = 400;
            for (int row = 0; row < rows; row++) {
                SentencePairs.Pair p = SentencePairs.sop(VOCAB).apply(STREAM, block, seed, 2, row);
                Split s = layout(p, block);
                assertEquals(p.label() == 0 ? follows(s.a(), s.b()) : follows(s.b(), s.a()), true, "label " + p.label());
                swapped += p.label();
            }
            MaskedLmTest.binomial("swapped", swapped, rows, 0.5);
        });
    }

    @Test
    void aPairIsAPureFunctionOfSeedStepAndRow() {
        qt().withExamples(100).forAll(longs().all(), longs().all(), integers().between(0, 1000)).checkAssert((seed, step, row) -> {
            SentencePairs.Pair a = SentencePairs.nsp(VOCAB).apply(STREAM, 64, seed, step, row), b = SentencePairs.nsp(VOCAB).apply(STREAM, 64, seed, step, row);
            assertArrayEquals(a.tokens(), b.tokens());
            assertArrayEquals(a.segments(), b.segments());
            assertEquals(a.label(), b.label());
        });
    }

    @Test
    void tooSmallABlockOrStreamIsRefusedWithAReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SentencePairs.nsp(VOCAB).apply(STREAM, 4, 0, 0, 0)).getMessage().contains("no room for two segments"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SentencePairs.nsp(VOCAB).apply(new int[] {1, 2, 3}, 64, 0, 0, 0)).getMessage().contains("too short"));
    }
}
