package strata.tests.masks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static strata.testkit.MaskAssertions.assertCausal;
import static strata.testkit.MaskAssertions.assertEquivalent;
import static strata.testkit.MaskAssertions.assertNoEmptyRows;
import static strata.testkit.MaskAssertions.assertTilesAgreeWithDense;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.quicktheories.generators.Generate;
import strata.compiler.masks.Causality;
import strata.compiler.masks.RegionEval;
import strata.testkit.Generators;
import strata.testkit.Mask;
import strata.testkit.MaskInputs;
import strata.testkit.Masks;
import strata.testkit.ModelRejected;
import strata.testkit.StrataModels;

/** The mask library (models/masks.strata) under the analysis, through the testkit: tiles agree with dense evaluation, and the laws hold. */
class MaskLibraryTest {
    static List<String> library() {
        return List.of("causal", "bidirectional", "padding(len)", "prefix_lm(len)", "sliding(5, sinks = 2)",
                "document(seg)", "same_document(seg)", "cross_padding(len)", "xlnet_content(rank)", "xlnet_query(rank)", "kbert(branch, anchor)",
                "glm_blank(len)", "id_tokens(3)", "visible(m)", "prefix_lm(zero)", "causal and padding(len)", "not causal or sliding(3)");
    }

    /** Lengths from 1 to 300, primes and powers of two among them as often as random ones. */
    private static final List<Integer> LENGTHS = List.of(1, 2, 3, 7, 13, 31, 64, 97, 128, 131, 257, 300);

    @ParameterizedTest
    @MethodSource("library")
    void tilesNeverClaimFullOrEmptyWrongly(String expr) {
        Mask m = Masks.of(expr);
        qt().withExamples(24).forAll(Generators.instances(m, Generators.lengths(300, LENGTHS)), integers().between(1, 48))
                .checkAssert((at, tile) -> assertTilesAgreeWithDense(at, tile));
    }

    /** Masks for the combinator laws: index arithmetic and per-sample lengths, with every length enumerated at small T. */
    private static final List<String> OPERANDS = List.of("causal", "bidirectional", "sliding(3)", "sliding(2, sinks = 1)", "padding(len)", "prefix_lm(len)");

    @Test void andAndOrAreCommutativeAndAssociativeAndNotIsInvolutive() {
        int n = OPERANDS.size();
        qt().withExamples(40).forAll(integers().between(0, n - 1), integers().between(0, n - 1), integers().between(0, n - 1), integers().between(1, 6))
                .checkAssert((i, j, k, t) -> {
                    String a = OPERANDS.get(i), b = OPERANDS.get(j), c = OPERANDS.get(k);
                    for (String op : List.of("and", "or")) {
                        assertEquivalent(Masks.of(a + " " + op + " " + b), Masks.of(b + " " + op + " " + a), t);
                        assertEquivalent(Masks.of("(" + a + " " + op + " " + b + ") " + op + " " + c), Masks.of(a + " " + op + " (" + b + " " + op + " " + c + ")"), t);
                    }
                    assertEquivalent(Masks.of("not not " + a), Masks.of(a), t);
                    assertEquivalent(Masks.of("not (" + a + " and " + b + ")"), Masks.of("not " + a + " or not " + b), t);  // De Morgan
                });
        // and a law that does not hold is refuted: `and` is not `or`
        assertThrows(AssertionError.class, () -> assertEquivalent(Masks.of("causal and sliding(3)"), Masks.of("causal or sliding(3)"), 5));
    }

    @Test void causalAndSlidingAreProvedCausalOthersRefutedWithAValidCounterexample() {
        for (String e : List.of("causal", "sliding(5, sinks = 2)", "document(seg)")) assertCausal(Masks.of(e));
        for (String e : List.of("bidirectional", "prefix_lm(len)", "glm_blank(len)")) {
            Mask m = Masks.of(e);
            AssertionError err = assertThrows(AssertionError.class, () -> assertCausal(m));
            assertTrue(err.getMessage().contains("sees the later key"), err.getMessage());
            var c = Causality.check(m.region(), 1).counterexample();
            assertTrue(c.k() > c.q() && new RegionEval(m.region(), c.data()).visible(0, 0, c.q(), c.k()), err.getMessage());
        }
    }

    @Test void causalEqualsPrefixLmWithPrefixZeroAndGlmEqualsPrefixLm() {
        Mask causal = Masks.of("causal"), prefixZero = Masks.of("prefix_lm(zero)"), prefix = Masks.of("prefix_lm(len)"), glm = Masks.of("glm_blank(len)");
        qt().forAll(Generate.pick(List.of(1, 5, 17, 64)).zip(integers().between(1, 3), (t, b) -> new Generators.Sizes(b, t))
                        .flatMap(s -> Generators.prefixes(s.b(), s.t()).map(p -> Map.entry(s, p))))
                .checkAssert(e -> {
                    long t = e.getKey().t();
                    assertEquivalent(causal.at(t), prefixZero.at(t, Map.of("zero", MaskInputs.lengths(new long[e.getKey().b()]))));
                    assertEquivalent(prefix.at(t, Map.of("len", e.getValue())), glm.at(t, Map.of("len", e.getValue())));
                });
        assertEquivalent(prefix, glm, 6);  // every prefix in [0, 6]
        AssertionError err = assertThrows(AssertionError.class, () -> assertEquivalent(causal, Masks.of("bidirectional"), 9));
        assertEquals("masks `causal` and `bidirectional` differ at (q = 0, k = 1): `causal` hides it, `bidirectional` shows it (T = 9)", err.getMessage());
    }

    @Test void xlnetQueryStreamNeverSeesItsOwnContentAndGlmPartANeverSeesPartB() {
        Mask xq = Masks.of("xlnet_query(rank)"), glm = Masks.of("glm_blank(len)");
        qt().forAll(Generators.instances(xq, Generators.sizes(3, 40), Map.of("rank", Generators::ranks))).checkAssert(at -> {
            for (int b = 0; b < at.batch(); b++) for (int q = 0; q < at.t(); q++) assertFalse(at.visible(b, 0, q, q), at.toString());
        });
        qt().forAll(Generators.instances(glm, Generators.sizes(3, 40), Map.of("len", Generators::prefixes))).checkAssert(at -> {
            for (int b = 0; b < at.batch(); b++) {
                long prefix = (long) at.data().of(glm.data().get("len")).at(b);
                for (long q = 0; q < Math.min(prefix, at.t()); q++) for (long k = prefix; k < at.t(); k++) assertFalse(at.visible(b, 0, q, k), at.toString());
            }
        });
    }

    @Test void kbertBranchTokensNeverSeeOtherBranches() {
        // trunk 0..3, branch 1 = tokens 4, 5 on anchor 1, branch 2 = tokens 6, 7 on anchor 2
        long[] branch = {0, 0, 0, 0, 1, 1, 2, 2}, anchor = {0, 0, 0, 0, 1, 1, 2, 2};
        Mask.At at = Masks.of("kbert(branch, anchor)").at(8, Map.of("branch", MaskInputs.perToken(branch), "anchor", MaskInputs.perToken(anchor)));
        for (int q = 4; q < 8; q++) for (int k = 4; k < 8; k++) assertEquals(branch[q] == branch[k], at.visible(0, 0, q, k));
        assertTrue(at.visible(0, 0, 4, 1) && at.visible(0, 0, 1, 4) && !at.visible(0, 0, 4, 2) && !at.visible(0, 0, 0, 4));
    }

    @Test void aMaskThatCanLeaveARowEmptyIsRejectedWithTheCondition() {
        ModelRejected e = assertThrows(ModelRejected.class, () -> StrataModels.fromText("empty.strata", "import prelude\nmodel E {\n  input x: f32[B, T, 4]\n  input len: i32[B]\n"
                + "  forward {\n    q = split_heads(x, 1)\n    return attention(q, q, q, mask = padding(len))\n  }\n}\n"));
        assertTrue(e.getMessage().contains("empty.strata:7:38: error: mask `padding` can leave a query with no visible key: with T = 1 and len = [0], query 0 sees no key"), e.getMessage());
        assertTrue(e.getMessage().contains("empty = zeros"));
        AssertionError err = assertThrows(AssertionError.class, () -> assertNoEmptyRows(Masks.of("padding(len)")));
        assertEquals("mask `padding(len)` can leave a query with no visible key: query 0 sees no key (T = 1, len = [0])", err.getMessage());
        assertNoEmptyRows(Masks.of("sliding(5, sinks = 2)"));
        Mask padded = Masks.of("causal and padding(len)");
        assertThrows(AssertionError.class, () -> assertNoEmptyRows(padded, 1, 2, 3));  // a length of 0 empties every row
        qt().forAll(Generators.instances(padded, Generators.sizes(3, 32), Map.of("len", Generators::lengths))).checkAssert(at -> assertNoEmptyRows(at));
    }

    @ParameterizedTest
    @MethodSource("library")
    void everyMaskOfTheLibraryIsDefinedWithoutReadingOutOfRange(String expr) {
        qt().withExamples(20).forAll(Generators.instances(Masks.of(expr), Generators.sizes(2, 7))).checkAssert(at -> {
            for (int b = 0; b < at.batch(); b++) for (int q = 0; q < at.t(); q++) for (int k = 0; k < at.t(); k++) at.visible(b, 0, q, k);
        });
    }
}
