package strata.tests.masks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import strata.compiler.masks.KeyRanges;
import strata.compiler.masks.RegionEval;
import strata.testkit.Generators;
import strata.testkit.Mask;
import strata.testkit.Masks;

/**
 * The key ranges the mask analysis derives for a query row hold what the fused kernel relies on:
 * every visible key lies in a visited loop (and in a may-span), and every key of a full loop
 * (and of a must-span) is visible. Checked against dense evaluation of the mask by the reference
 * evaluator, for every library mask, at random lengths up to 300 (primes among them) and random data.
 */
class KeyRangesTest {
    /** Library masks, their combinations, and some the analysis can only partly bound. */
    private static final List<String> MASKS = List.of(
            "causal", "bidirectional", "padding(len)", "prefix_lm(prefix)", "sliding(5, sinks = 2)", "sliding(128)",
            "sliding(1, sinks = 7)", "document(seg)", "visible(m)", "cross_padding(src_len)", "same_document(seg)",
            "xlnet_content(rank)", "xlnet_query(rank)", "kbert(branch, anchor)", "glm_blank(prefix)", "id_tokens(3)",
            "causal and padding(len)", "not causal or padding(len)", "sliding(7, sinks = 3) and padding(len)",
            "prefix_lm(prefix) and padding(len)", "not sliding(4, sinks = 1)", "glm_blank(prefix) or sliding(3)",
            "document(seg) and sliding(9, sinks = 1)", "not (causal and padding(len))");

    /** Masks of index arithmetic and lengths: every visited key is known visible, so the mask is never evaluated. */
    private static final List<String> EXACT = List.of("causal", "bidirectional", "padding(len)", "prefix_lm(prefix)",
            "sliding(5, sinks = 2)", "sliding(128)", "cross_padding(src_len)", "glm_blank(prefix)", "id_tokens(3)",
            "causal and padding(len)", "not causal or padding(len)", "sliding(7, sinks = 3) and padding(len)",
            "prefix_lm(prefix) and padding(len)", "diagonal", "band(3)", "padded_rows(len)", "reversed");

    private static final List<Integer> LENGTHS = List.of(1, 2, 3, 5, 7, 13, 31, 61, 97, 127, 128, 131, 173, 251, 257, 293, 300);

    private static Gen<Generators.Sizes> sizes() {
        return Generate.range(1, 2).zip(Generate.pick(LENGTHS).mix(Generate.range(1, 300)), Generators.Sizes::new);
    }

    @Test
    void everyVisibleKeyIsVisitedAndEveryKeyOfAFullLoopIsVisible() {
        for (String expr : MASKS) {
            Mask m = Masks.of(expr);
            KeyRanges.KeySet set = KeyRanges.analyse(m.region());
            List<KeyRanges.Loop> loops = KeyRanges.loops(Optional.of(m.region()));
            qt().withExamples(6).forAll(Generators.instances(m, sizes())).checkAssert(at -> check(expr, set, loops, at));
        }
    }

    /** Masks outside the library: equalities, a band both ways, if-then-else on a length, division (not linear: any key). */
    private static final String DEFINED = """
            mask diagonal(q, k) = k == q
            mask off_diagonal(q, k) = k != q
            mask band(w: int)(q, k) = q - k < w and k - q < w
            mask blocks(q, k) = k / 4 <= q / 4
            mask padded_rows(len: i32[B])(b, q, k) = if q < len[b] then k <= q else k == 0
            mask reversed(q, k) = not (q - k > 2 or k > q)
            """;

    @Test
    void keyRangesHoldForMasksOutsideTheLibrary() {
        for (String expr : List.of("diagonal", "off_diagonal", "band(3)", "blocks", "padded_rows(len)", "reversed",
                "not off_diagonal or blocks", "padded_rows(len) and not band(2)")) {
            Mask m = Masks.define(DEFINED, expr);
            KeyRanges.KeySet set = KeyRanges.analyse(m.region());
            List<KeyRanges.Loop> loops = KeyRanges.loops(Optional.of(m.region()));
            qt().withExamples(6).forAll(Generators.instances(m, sizes())).checkAssert(at -> check(expr, set, loops, at));
        }
    }

    @Test
    void masksOfIndicesAndLengthsAreNeverEvaluatedInTheKernel() {
        for (String expr : EXACT) {
            List<KeyRanges.Loop> loops = KeyRanges.loops(Optional.of(Masks.define(DEFINED, expr).region()));
            assertTrue(loops.stream().allMatch(KeyRanges.Loop::full), expr + ": " + loops);
        }
    }

    @Test
    void aSlidingWindowWithSinksIsTwoLoopsAndACausalMaskOneThatEndsAtTheDiagonal() {
        assertEquals(2, KeyRanges.loops(Optional.of(Masks.of("sliding(5, sinks = 2)").region())).size());
        assertEquals(1, KeyRanges.loops(Optional.of(Masks.of("sliding(5)").region())).size(), "no sinks: the window alone");
        List<KeyRanges.Loop> causal = KeyRanges.loops(Optional.of(Masks.of("causal").region()));
        assertEquals(1, causal.size());
        assertTrue(causal.getFirst().toString().matches("full \\[0, min\\(%\\d+ \\+ 1, Tk\\)\\)"), causal.toString());
    }

    @Test
    void aMaskTheAnalysisCannotBoundVisitsEveryKeyAndEvaluatesTheMask() {
        for (String expr : List.of("same_document(seg)", "visible(m)", "xlnet_query(rank)")) {
            List<KeyRanges.Loop> loops = KeyRanges.loops(Optional.of(Masks.of(expr).region()));
            assertEquals("[partial [0, Tk)]", loops.toString(), expr);
        }
    }

    private static void check(String expr, KeyRanges.KeySet set, List<KeyRanges.Loop> loops, Mask.At at) {
        RegionEval e = at.eval(), bounds = at.eval();
        long t = at.t();
        for (long b = 0; b < at.batch(); b++)
            for (long h = 0; h < at.mask().heads(); h++)
                for (long q = 0; q < t; q++) {
                    int[] visits = new int[(int) t];
                    boolean[] full = new boolean[(int) t];
                    for (KeyRanges.Loop l : loops) {
                        long lo = l.lo().at(bounds, b, h, q, t), hi = l.hi().at(bounds, b, h, q, t);
                        if (lo < hi && (lo < 0 || hi > t)) fail(expr + ": loop " + l + " = [" + lo + ", " + hi + ") leaves [0, " + t + ") at q = " + q + where(at, b));
                        for (long k = Math.max(lo, 0); k < Math.min(hi, t); k++) {
                            visits[(int) k]++;
                            full[(int) k] |= l.full();
                        }
                    }
                    for (long k = 0; k < t; k++) {
                        boolean vis = e.visible(b, h, q, k);
                        if (visits[(int) k] > 1) fail(expr + ": key " + k + " is visited twice by " + loops + " at q = " + q + where(at, b));
                        if (vis && visits[(int) k] == 0) fail(expr + ": the visible key " + k + " of q = " + q + " is in no loop of " + loops + where(at, b));
                        if (!vis && full[(int) k]) fail(expr + ": the hidden key " + k + " of q = " + q + " is in a full loop of " + loops + where(at, b));
                        if (vis && !in(set.may(), bounds, b, h, q, k, t)) fail(expr + ": the visible key " + k + " of q = " + q + " is outside may " + set.may() + where(at, b));
                        if (!vis && in(set.must(), bounds, b, h, q, k, t)) fail(expr + ": the hidden key " + k + " of q = " + q + " is inside must " + set.must() + where(at, b));
                    }
                }
    }

    private static boolean in(List<KeyRanges.Span> spans, RegionEval e, long b, long h, long q, long k, long t) {
        for (KeyRanges.Span s : spans) if (s.lo().at(e, b, h, q, t) <= k && k < s.hi().at(e, b, h, q, t)) return true;
        return false;
    }

    private static String where(Mask.At at, long b) {
        return " (T = " + at.t() + ", sample " + b + ", " + at.describeData() + ")";
    }
}
