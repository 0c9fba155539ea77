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
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** T5's span corruption: un-corrupting gives the text back, with the paper's noise and span counts and sentinels in order. */
class SpanCorruptionTest {
    static final Vocabulary VOCAB = Vocabulary.appended(65, List.of(Vocabulary.PAD, Vocabulary.EOS), 100);
    static final int EOS = VOCAB.id(Vocabulary.EOS);

    static int[] text(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(65);
        return t;
    }

    @Test
    void uncorruptingGivesBackTheText() {
        qt().withExamples(300).forAll(longs().all(), integers().between(2, 600), longs().all()).checkAssert((seed, n, step) -> {
            SpanCorruption sc = SpanCorruption.t5(VOCAB);
            int[] t = text(seed, n);
            SpanCorruption.Corrupted c = sc.apply(t, seed, step, 3);
            assertArrayEquals(t, sc.uncorrupt(c));
        });
    }

    @Test
    void noiseIsFifteenPercentInSpansOfMeanThreeMarkedBySentinelsInOrder() {
        qt().withExamples(300).forAll(longs().all(), integers().between(2, 600)).checkAssert((seed, n) -> {
            SpanCorruption sc = SpanCorruption.t5(VOCAB);
            SpanCorruption.Corrupted c = sc.apply(text(seed, n), seed, 0, 0);
            long noise = Math.clamp(Math.round(0.15 * n), 1, n - 1);
            int spans = sc.spans(n);
            assertEquals(Math.clamp(Math.round(noise / 3.0), 1, Math.min(noise, n - noise)), spans);
            assertEquals(c.input().length, sc.inputLength(n));
            assertEquals(c.target().length, sc.targetLength(n));
            assertEquals(n - noise + spans + 1, c.input().length, "kept tokens, one sentinel per span, </s>");
            assertEquals(noise + spans + 2, c.target().length, "dropped tokens, a sentinel before each span, a closing one, </s>");
            int[] inSentinels = Arrays.stream(c.input()).filter(x -> x >= VOCAB.sentinel(0)).toArray();
            int[] outSentinels = Arrays.stream(c.target()).filter(x -> x >= VOCAB.sentinel(0)).toArray();
            for (int s = 0; s < spans; s++) assertEquals(VOCAB.sentinel(s), inSentinels[s]);
            for (int s = 0; s <= spans; s++) assertEquals(VOCAB.sentinel(s), outSentinels[s]);
            assertEquals(VOCAB.sentinel(0), c.target()[0], "the target starts with the first sentinel");
            // spans are non-empty: no two sentinels are adjacent in the target before the closing one
            for (int i = 0; i + 1 < c.target().length - 2; i++)
                assertTrue(!(c.target()[i] >= VOCAB.sentinel(0) && c.target()[i + 1] >= VOCAB.sentinel(0)), "an empty span at " + i);
            assertEquals(EOS, c.input()[c.input().length - 1]);
            assertEquals(EOS, c.target()[c.target().length - 1]);
        });
    }

    @Test
    void theDecoderReadsTheTargetShiftedRightBehindTheStartToken() {
        int[] target = {7, 8, 9};
        assertArrayEquals(new int[] {0, 7, 8}, SpanCorruption.shiftRight(target, 0));
    }

    @Test
    void corruptionIsAPureFunctionOfSeedStepAndRow() {
        qt().withExamples(100).forAll(longs().all(), longs().all(), integers().between(0, 1000)).checkAssert((seed, step, row) -> {
            SpanCorruption sc = SpanCorruption.t5(VOCAB);
            int[] t = text(seed, 200);
            SpanCorruption.Corrupted a = sc.apply(t, seed, step, row), b = sc.apply(t, seed, step, row);
            assertArrayEquals(a.input(), b.input());
            assertArrayEquals(a.target(), b.target());
        });
    }

    @Test
    void tooFewSentinelsIsRefusedWithTheCount() {
        SpanCorruption sc = SpanCorruption.t5(Vocabulary.appended(65, List.of(Vocabulary.PAD), 3));
        var e = assertThrows(IllegalArgumentException.class, () -> sc.apply(text(1, 200), 0, 0, 0));
        assertTrue(e.getMessage().contains("need 11 sentinels; the vocabulary has 3"), e.getMessage());
    }
}
