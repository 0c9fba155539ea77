package strata.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.DType;
import strata.runtime.Tensor;

/** nanoGPT's split and batches: 90/10 in order, targets shifted by one, and every batch a function of (seed, step). */
class TextDatasetTest {
    static TextDataset shakespeare;

    @BeforeAll
    static void load() throws IOException {
        shakespeare = TextDataset.load(BundledData.file("tinyshakespeare.txt"));
    }

    @Test
    void tinyShakespeareSplitsAsNanoGptDoes() {
        // nanoGPT prepare.py: "train has 1,003,854 tokens", "val has 111,540 tokens"
        assertEquals(1_003_854, shakespeare.train().length);
        assertEquals(111_540, shakespeare.val().length);
        assertEquals("First Citizen:", shakespeare.tokenizer().decode(Arrays.copyOf(shakespeare.train(), 14)));
    }

    @Test
    void theSplitIsTheFirstNinetyPercentThenTheRest() {
        qt().withExamples(200).forAll(longs().all(), integers().between(1, 500)).check((seed, n) -> {
            Random r = new Random(seed);
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < n; i++) s.append((char) ('a' + r.nextInt(5)));
            TextDataset d = TextDataset.of(s.toString());
            int[] all = d.tokenizer().encode(s.toString());
            int cut = (int) (n * 0.9);
            return Arrays.equals(d.train(), Arrays.copyOf(all, cut)) && Arrays.equals(d.val(), Arrays.copyOfRange(all, cut, n));
        });
    }

    @Test
    void targetsAreTheInputsShiftedByOne() {
        qt().withExamples(200).forAll(longs().all(), longs().between(0, 1_000_000), integers().between(1, 8), integers().between(1, 64)).checkAssert((seed, step, b, t) -> {
            for (TextDataset.Split split : TextDataset.Split.values()) {
                int[] data = shakespeare.tokens(split);
                TextDataset.Batch batch = shakespeare.batch(split, seed, step, b, t);
                for (int row = 0; row < b; row++) {
                    int start = shakespeare.start(split, seed, step, row, t);
                    assertTrue(start >= 0 && start + t < data.length);
                    assertArrayEquals(Arrays.copyOfRange(data, start, start + t), Arrays.copyOfRange(batch.x(), row * t, row * t + t));
                    assertArrayEquals(Arrays.copyOfRange(data, start + 1, start + t + 1), Arrays.copyOfRange(batch.y(), row * t, row * t + t));
                }
            }
        });
    }

    @Test
    void aSeedAndAStepFixTheBatchWhateverCameBefore() throws IOException {
        TextDataset again = TextDataset.load(BundledData.file("tinyshakespeare.txt")); // as after a restart
        TextDataset.Batch late = again.batch(TextDataset.Split.TRAIN, 7, 1234, 4, 32);
        for (int step = 0; step < 1234; step += 97) shakespeare.batch(TextDataset.Split.TRAIN, 7, step, 4, 32);
        TextDataset.Batch same = shakespeare.batch(TextDataset.Split.TRAIN, 7, 1234, 4, 32);
        assertArrayEquals(late.x(), same.x());
        assertArrayEquals(late.y(), same.y());
        assertTrue(!Arrays.equals(same.x(), shakespeare.batch(TextDataset.Split.TRAIN, 8, 1234, 4, 32).x()), "another seed, another batch");
        assertTrue(!Arrays.equals(same.x(), shakespeare.batch(TextDataset.Split.TRAIN, 7, 1235, 4, 32).x()), "another step, another batch");
    }

    @Test
    void startsAreSpreadEvenlyOverTheSplit() {
        // chi-square of 20,000 starts in 20 equal bins; 19 degrees of freedom, 43.8 is the 0.001 critical value
        int bins = 20, draws = 20_000, range = shakespeare.val().length - 8;
        long[] hist = new long[bins];
        for (int i = 0; i < draws; i++) hist[(int) ((long) shakespeare.start(TextDataset.Split.VAL, 3, i, 0, 8) * bins / range)]++;
        double expected = (double) draws / bins, chi2 = 0;
        for (long h : hist) chi2 += (h - expected) * (h - expected) / expected;
        assertTrue(chi2 < 43.8, "chi-square " + chi2 + " for " + Arrays.toString(hist));
    }

    @Test
    void batchesBecomeI32TensorsOfBatchByBlock() {
        try (Arena arena = Arena.ofConfined()) {
            TextDataset.Batch b = shakespeare.batch(TextDataset.Split.TRAIN, 1, 2, 3, 5);
            Tensor x = b.x(arena);
            assertEquals(DType.I32, x.dtype());
            assertArrayEquals(new long[] {3, 5}, x.shape());
            assertArrayEquals(b.x(), x.data().toArray(ValueLayout.JAVA_INT));
            assertArrayEquals(b.y(), b.y(arena).data().toArray(ValueLayout.JAVA_INT));
        }
    }

    @Test
    void aSplitTooShortForTheBlockIsRefused() {
        TextDataset d = TextDataset.of("abcdefghijklmnopqrst"); // 18 train, 2 val
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.batch(TextDataset.Split.VAL, 0, 0, 1, 2));
        assertEquals("the val split has 2 tokens, too few for a block of 2 and its shifted target", e.getMessage());
        assertEquals(1, d.batch(TextDataset.Split.VAL, 0, 0, 1, 1).x().length);
    }
}
