package strata.testkit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static strata.testkit.MaskAssertions.assertCausal;
import static strata.testkit.MaskAssertions.assertEquivalent;
import static strata.testkit.MaskAssertions.assertNoEmptyRows;
import static strata.testkit.MaskAssertions.assertTilesAgreeWithDense;

import java.util.Map;
import org.junit.jupiter.api.Test;
import strata.testkit.Generators;
import strata.testkit.Mask;
import strata.testkit.MaskAssertions;
import strata.testkit.Masks;

/** A user's own mask under test: a sliding window of 4 keys that also keeps 2 sink tokens. */
class SlidingWindowWithSinksTest {
    static final String MINE = """
            mask window_sinks(window: int, sinks: int)(q, k) = k <= q and (q - k < window or k < sinks)
            mask near(window: int)(q, k) = q - k < window
            mask first(n: int)(q, k) = k < n
            """;
    final Mask mask = Masks.define(MINE, "window_sinks(4, sinks = 2)");
    final Mask byHand = Masks.define(MINE, "causal and (near(4) or first(2))");

    @Test void neverSeesTheFuture() { assertCausal(mask); }

    @Test void everyQuerySeesAKey() { assertNoEmptyRows(mask); }

    @Test void equalsTheHandWrittenVariant() {
        qt().forAll(integers().between(1, 200)).checkAssert(t -> assertEquivalent(mask, byHand, t));
    }

    @Test void tilesAgreeWithDenseEvaluation() {
        qt().forAll(integers().between(1, 150), integers().between(1, 32)).checkAssert((t, tile) -> assertTilesAgreeWithDense(mask, t, tile));
    }

    @Test void withPaddingNoRowIsEmptyForLengthsOfAtLeastOne() {
        Mask padded = Masks.define(MINE, "window_sinks(4, sinks = 2) and padding(len)");
        qt().forAll(Generators.instances(padded, Generators.sizes(4, 64), Map.of("len", Generators::lengths)))
                .checkAssert(MaskAssertions::assertNoEmptyRows);
    }

    @Test void sinksWithoutCausalityAreCaught() {
        Mask leaky = Masks.define(MINE, "(causal and near(4)) or first(2)");
        AssertionError e = assertThrows(AssertionError.class, () -> assertCausal(leaky));
        assertEquals("mask `(causal and near(4)) or first(2)` is not causal: query 0 sees the later key 1 (T = 2)", e.getMessage());
    }

    @Test void anOffByOneWindowIsCaughtWithTheCell() {
        Mask offByOne = Masks.define(MINE, "causal and (near(3) or first(2))");
        AssertionError e = assertThrows(AssertionError.class, () -> assertEquivalent(mask, offByOne, 16));
        assertEquals("masks `window_sinks(4, sinks = 2)` and `causal and (near(3) or first(2))` differ at (q = 5, k = 2): "
                + "`window_sinks(4, sinks = 2)` shows it, `causal and (near(3) or first(2))` hides it (T = 16)", e.getMessage());
    }
}
