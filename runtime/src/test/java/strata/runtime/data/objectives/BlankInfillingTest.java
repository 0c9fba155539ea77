package strata.runtime.data.objectives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** GLM's blank infilling: Part A and Part B give the text back, with the 2D positions and shifted targets of sections 2.2-2.3. */
class BlankInfillingTest {
    static final Vocabulary VOCAB = Vocabulary.appended(65, List.of(Vocabulary.MASK, Vocabulary.START, Vocabulary.END, Vocabulary.PAD), 0);
    static final int MASK = VOCAB.id(Vocabulary.MASK), START = VOCAB.id(Vocabulary.START), END = VOCAB.id(Vocabulary.END);

    static int[] text(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(65);
        return t;
    }

    @Test
    void partAWithPartBsSpansInPlaceOfItsMasksGivesBackTheText() {
        qt().withExamples(300).forAll(longs().all(), integers().between(3, 500), longs().all()).checkAssert((seed, n, step) -> {
            BlankInfilling bi = BlankInfilling.glm(VOCAB);
            int[] t = text(seed, n);
            BlankInfilling.Infilled x = bi.apply(t, seed, step, 0);
            assertArrayEquals(t, bi.reconstruct(x));
            assertArrayEquals(t, bi.reconstruct(bi.padded(x, bi.maxLength(n))), "padding changes nothing");
            assertTrue(x.length() <= bi.maxLength(n));
        });
    }

    @Test
    void positionsBlockPositionsAndTargetsAreThePapers() {
        qt().withExamples(300).forAll(longs().all(), integers().between(3, 500)).checkAssert((seed, n) -> {
            BlankInfilling.Infilled x = BlankInfilling.glm(VOCAB).apply(text(seed, n), seed, 1, 2);
            int a = x.prefix();
            Set<Integer> masks = new HashSet<>();
            for (int i = 0; i < a; i++) {
                assertEquals(i, x.positions()[i], "Part A counts positions");
                assertEquals(0, x.blockPositions()[i], "Part A has block position 0");
                assertEquals(BlankInfilling.IGNORE, x.targets()[i], "Part A is not predicted");
                if (x.tokens()[i] == MASK) masks.add(i);
            }
            assertTrue(!masks.isEmpty(), "at least one span");
            Set<Integer> seen = new HashSet<>();
            int covered = 0;
            for (int j = a; j < x.length(); ) {
                assertEquals(START, x.tokens()[j], "a span opens with [START]");
                int pos = x.positions()[j];
                assertTrue(masks.contains(pos) && seen.add(pos), "each span stands for one [MASK] of Part A, once: " + pos);
                int k = 0;
                for (; j + k < x.length() && (k == 0 || x.tokens()[j + k] != START); k++) {
                    assertEquals(pos, x.positions()[j + k], "a span's tokens share its [MASK]'s position");
                    assertEquals(k + 1, x.blockPositions()[j + k], "block positions count 1, 2, ... inside the span");
                    boolean last = j + k + 1 == x.length() || x.tokens()[j + k + 1] == START;
                    assertEquals(last ? END : x.tokens()[j + k + 1], x.targets()[j + k], "targets are the inputs shifted by one, then [END]");
                }
                covered += k - 1;
                j += k;
            }
            assertEquals(masks, seen, "every [MASK] has its span");
            assertEquals(n, a - masks.size() + covered);
            assertTrue(covered >= Math.ceil(0.15 * n) || covered + masks.size() >= n - 1,
                    "spans cover 15% of the text unless it is too short: " + covered + " of " + n);
        });
    }

    @Test
    void spanLengthsAreThoseOfPoissonThreeWithoutZero() {
        // E[L | L > 0] for L ~ Poisson(3) is 3 / (1 - e^-3); the mean of lengths drawn on long texts
        double want = 3 / (1 - Math.exp(-3));
        Draws d = new Draws(11, 0, 0);
        int n = 40_000;
        double sum = 0, sq = 0;
        for (int i = 0; i < n; i++) {
            int l;
            do l = d.poisson(3); while (l == 0);
            sum += l;
            sq += (double) l * l;
        }
        double m = sum / n, sd = Math.sqrt(sq / n - m * m);
        assertEquals(want, m, 5 * sd / Math.sqrt(n));
    }

    @Test
    void infillingIsAPureFunctionOfSeedStepAndRow() {
        qt().withExamples(100).forAll(longs().all(), longs().all(), integers().between(0, 1000)).checkAssert((seed, step, row) -> {
            BlankInfilling bi = BlankInfilling.glm(VOCAB);
            int[] t = text(seed, 120);
            BlankInfilling.Infilled p = bi.apply(t, seed, step, row), q = bi.apply(t, seed, step, row);
            assertArrayEquals(p.tokens(), q.tokens());
            assertArrayEquals(p.positions(), q.positions());
            assertArrayEquals(p.blockPositions(), q.blockPositions());
            assertArrayEquals(p.targets(), q.targets());
        });
    }
}
