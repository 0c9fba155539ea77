package strata.compiler.lower;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ArenaPlanTest {
    /** A random program: buffer i is made at step i and read until a later step. */
    static List<ArenaPlan.Buffer> randomBuffers(Random r) {
        int n = 1 + r.nextInt(40);
        List<ArenaPlan.Buffer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new ArenaPlan.Buffer(i, i, i + r.nextInt(Math.max(1, n - i)), 1 + r.nextInt(5000)));
        return out;
    }

    static List<ArenaPlan.InPlace> randomHints(Random r, List<ArenaPlan.Buffer> bs) {
        List<ArenaPlan.InPlace> hints = new ArrayList<>();
        for (ArenaPlan.Buffer b : bs) if (b.id() > 0 && r.nextBoolean()) hints.add(new ArenaPlan.InPlace(b.def(), r.nextInt(b.id()), b.id()));
        return hints;
    }

    private static boolean overlapInTime(ArenaPlan.Buffer a, ArenaPlan.Buffer b) { return a.def() <= b.lastUse() && b.def() <= a.lastUse(); }

    @Test
    void buffersAliveAtTheSameTimeNeverShareBytesExceptAnInPlaceStep() {
        qt().withExamples(500).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            List<ArenaPlan.Buffer> bs = randomBuffers(r);
            List<ArenaPlan.InPlace> hints = randomHints(r, bs);
            ArenaPlan plan = ArenaPlan.plan(bs, hints);
            long total = 0;
            for (ArenaPlan.Buffer a : bs) {
                total += ArenaPlan.align(a.bytes());
                assertTrue(plan.offset(a.id()) % ArenaPlan.ALIGN == 0);
                assertTrue(plan.offset(a.id()) + a.bytes() <= plan.peakBytes());
                for (ArenaPlan.Buffer b : bs) {
                    if (a.id() >= b.id() || !overlapInTime(a, b)) continue;
                    boolean disjoint = plan.offset(a.id()) + a.bytes() <= plan.offset(b.id()) || plan.offset(b.id()) + b.bytes() <= plan.offset(a.id());
                    boolean inPlace = plan.inPlace().contains(new ArenaPlan.InPlace(b.def(), a.id(), b.id())) && a.lastUse() == b.def();
                    assertTrue(disjoint || inPlace, "buffers " + a + " and " + b + " overlap");
                }
            }
            assertTrue(plan.peakBytes() <= total, "the plan never needs more than one block per buffer");
        });
    }

    @Test
    void aChainOfElementwiseStepsRunsInPlaceInOneBlock() {
        List<ArenaPlan.Buffer> bs = new ArrayList<>();
        List<ArenaPlan.InPlace> hints = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            bs.add(new ArenaPlan.Buffer(i, i, i + 1, 4096));
            if (i > 0) hints.add(new ArenaPlan.InPlace(i, i - 1, i));
        }
        ArenaPlan plan = ArenaPlan.plan(bs, hints);
        assertEquals(4096, plan.peakBytes());
        assertEquals(9, plan.inPlace().size());
    }

    @Test
    void withoutHintsTwoBlocksAlternate() {
        List<ArenaPlan.Buffer> bs = new ArrayList<>();
        for (int i = 0; i < 10; i++) bs.add(new ArenaPlan.Buffer(i, i, i + 1, 4096));
        ArenaPlan plan = ArenaPlan.plan(bs, List.of());
        assertEquals(2 * 4096, plan.peakBytes());
        assertFalse(plan.offset(0) == plan.offset(1));
    }
}
