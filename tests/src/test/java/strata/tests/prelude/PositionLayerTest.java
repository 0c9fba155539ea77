package strata.tests.prelude;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static strata.tests.prelude.LayerFixture.TOL;
import static strata.tests.prelude.LayerFixture.assertClose;
import static strata.tests.prelude.LayerFixture.f32;
import static strata.tests.prelude.LayerFixture.i32;
import static strata.tests.prelude.LayerFixture.gaussian;
import static strata.tests.prelude.LayerFixture.shape;

import java.util.Random;
import org.junit.jupiter.api.Test;
import strata.compiler.interp.RefTensor;

/** The prelude's position layers: learned, sinusoidal and rotary, against their formulas. */
class PositionLayerTest {
    @Test
    void learnedPositionAddsTheFirstTRowsOfItsTable() {
        Random rnd = new Random(11);
        int b = 2, t = 3, block = 5, d = 4;
        var m = LayerFixture.model("input x: f32[B, T, 4]\npos = LearnedPosition(5, 4)\nforward { return pos(x) }");
        double[] x = gaussian(rnd, 1, b * t * d), table = gaussian(rnd, 1, block * d);
        RefTensor y = m.input("x", f32(shape(b, t, d), x)).param("pos.weight", f32(shape(block, d), table)).run();
        double[] expected = new double[x.length];
        for (int i = 0; i < b; i++)
            for (int p = 0; p < t; p++)
                for (int c = 0; c < d; c++) expected[(i * t + p) * d + c] = x[(i * t + p) * d + c] + table[p * d + c];
        assertClose(expected, shape(b, t, d), y);
    }

    @Test
    void position2DAddsTheRowsOfBothTablesThatItsIdsName() {
        Random rnd = new Random(13);
        int b = 2, t = 3, block = 4, d = 2;
        var m = LayerFixture.model("input x: f32[B, T, 2]\ninput p1: i32[B, T]\ninput p2: i32[B, T]\n"
                + "pos = Position2D(4, 2, p1, p2)\nforward { return pos(x) }");
        double[] x = gaussian(rnd, 1, b * t * d), t1 = gaussian(rnd, 1, block * d), t2 = gaussian(rnd, 1, block * d);
        double[] p1 = {0, 1, 2, 3, 3, 0}, p2 = {0, 0, 1, 2, 1, 0};
        RefTensor y = m.input("x", f32(shape(b, t, d), x)).input("p1", i32(shape(b, t), p1)).input("p2", i32(shape(b, t), p2))
                .param("pos.position.weight", f32(shape(block, d), t1)).param("pos.block_position.weight", f32(shape(block, d), t2)).run();
        double[] expected = new double[x.length];
        for (int n = 0; n < b * t; n++)
            for (int c = 0; c < d; c++) expected[n * d + c] = x[n * d + c] + t1[(int) p1[n] * d + c] + t2[(int) p2[n] * d + c];
        assertClose(expected, shape(b, t, d), y);
    }

    @Test
    void sinusoidalPositionAddsSinesThenCosinesOfPositionOverBasePowers() {
        Random rnd = new Random(12);
        int b = 2, t = 5, d = 6;
        var m = LayerFixture.model("input x: f32[B, T, 6]\npos = SinusoidalPosition(6)\nforward { return pos(x) }");
        double[] x = gaussian(rnd, 1, b * t * d);
        RefTensor y = m.input("x", f32(shape(b, t, d), x)).run();
        // angle(p, i) = p / 10000^(2i/d); sin in channels [0, d/2), cos in [d/2, d).
        double[] expected = new double[x.length];
        for (int i = 0; i < b; i++)
            for (int p = 0; p < t; p++)
                for (int c = 0; c < d / 2; c++) {
                    double angle = p / Math.pow(10000, 2.0 * c / d);
                    expected[(i * t + p) * d + c] = x[(i * t + p) * d + c] + Math.sin(angle);
                    expected[(i * t + p) * d + c + d / 2] = x[(i * t + p) * d + c + d / 2] + Math.cos(angle);
                }
        assertClose(expected, shape(b, t, d), y);
    }

    @Test
    void sinusoidalPositionHonoursItsBase() {
        int t = 4, d = 4;
        var m = LayerFixture.model("input x: f32[1, T, 4]\npos = SinusoidalPosition(4, base = 7.0)\nforward { return pos(x) }");
        RefTensor y = m.input("x", f32(shape(1, t, d), new double[t * d])).run();
        double[] expected = new double[t * d];
        for (int p = 0; p < t; p++)
            for (int c = 0; c < d / 2; c++) {
                expected[p * d + c] = Math.sin(p / Math.pow(7, 2.0 * c / d));
                expected[p * d + c + d / 2] = Math.cos(p / Math.pow(7, 2.0 * c / d));
            }
        assertClose(expected, shape(1, t, d), y);
    }

    private static final int HD = 6, POSITIONS = 40;
    private static final double BASE = 100.0;

    /** Rotary over [1, 2, POSITIONS, HD]: two heads, so that one run rotates a query and a key. */
    private static LayerFixture rotary() {
        return LayerFixture.model("input x: f32[1, 2, T, " + HD + "]\nr = Rotary(base = " + BASE + ")\nforward { return r(x) }");
    }

    /** theta_i = base^(-2i/hd) for the pair (i, i + hd/2) (RoFormer, eq. 15, half-split layout). */
    private static double theta(int i) { return Math.pow(BASE, -2.0 * i / HD); }

    @Test
    void rotaryRotatesEachHalfSplitPairByPositionTimesTheta() {
        Random rnd = new Random(13);
        int b = 2, h = 3, t = 5;
        var m = LayerFixture.model("input x: f32[B, H, T, " + HD + "]\nr = Rotary(base = " + BASE + ")\nforward { return r(x) }");
        double[] x = gaussian(rnd, 1, b * h * t * HD);
        RefTensor y = m.input("x", f32(shape(b, h, t, HD), x)).run();
        double[] expected = new double[x.length];
        int half = HD / 2;
        for (int row = 0; row < b * h * t; row++) {
            int p = row % t;
            for (int i = 0; i < half; i++) {
                double c = Math.cos(p * theta(i)), s = Math.sin(p * theta(i));
                double x1 = x[row * HD + i], x2 = x[row * HD + i + half];
                expected[row * HD + i] = x1 * c - x2 * s;
                expected[row * HD + i + half] = x1 * s + x2 * c;
            }
        }
        assertClose(expected, shape(b, h, t, HD), y);
    }

    @Test
    void rotaryDefaultBaseIsTenThousand() {
        var m = LayerFixture.model("input x: f32[1, 1, T, 2]\nr = Rotary()\nforward { return r(x) }");
        // hd = 2: one pair, theta = 1, so position p rotates (1, 0) to (cos p, sin p).
        RefTensor y = m.input("x", f32(shape(1, 1, 3, 2), new double[] {1, 0, 1, 0, 1, 0})).run();
        assertClose(new double[] {1, 0, Math.cos(1), Math.sin(1), Math.cos(2), Math.sin(2)}, shape(1, 1, 3, 2), y);
    }

    @Test
    void rotaryPreservesTheNormOfEveryPair() {
        Random rnd = new Random(14);
        var m = rotary();
        double[] x = gaussian(rnd, 3, 2 * POSITIONS * HD);
        double[] y = m.input("x", f32(shape(1, 2, POSITIONS, HD), x)).run().toArray();
        for (int row = 0; row < 2 * POSITIONS; row++)
            for (int i = 0; i < HD / 2; i++) {
                int a = row * HD + i, c = a + HD / 2;
                assertEquals(Math.hypot(x[a], x[c]), Math.hypot(y[a], y[c]), TOL, "pair " + i + " of row " + row);
            }
    }

    /** Rotates q at position m (head 0) and k at position n (head 1) in one run; returns their dot product. */
    private static double rotatedDot(LayerFixture m, double[] q, int qPos, double[] k, int kPos) {
        double[] x = new double[2 * POSITIONS * HD];
        System.arraycopy(q, 0, x, qPos * HD, HD);
        System.arraycopy(k, 0, x, (POSITIONS + kPos) * HD, HD);
        double[] y = m.input("x", f32(shape(1, 2, POSITIONS, HD), x)).run().toArray();
        double dot = 0;
        for (int c = 0; c < HD; c++) dot += y[qPos * HD + c] * y[(POSITIONS + kPos) * HD + c];
        return dot;
    }

    @Test
    void rotaryDotProductDependsOnlyOnRelativePosition() {
        var m = rotary();
        qt().withExamples(60).forAll(longs().all(), integers().between(0, POSITIONS - 1), integers().between(0, POSITIONS - 1),
                integers().between(0, POSITIONS - 1)).checkAssert((seed, qPos, kPos, shifted) -> {
            Random rnd = new Random(seed);
            double[] q = gaussian(rnd, 1, HD), k = gaussian(rnd, 1, HD);
            // Move both positions by the same amount, keeping them in range.
            int shift = shifted - Math.max(qPos, kPos);
            if (Math.min(qPos, kPos) + shift < 0) shift = -Math.min(qPos, kPos);
            double at = rotatedDot(m, q, qPos, k, kPos);
            assertEquals(at, rotatedDot(m, q, qPos + shift, k, kPos + shift), TOL, "shift by " + shift);
            // <R(m) q, R(n) k> = sum_i (q1 k1 + q2 k2) cos((m - n) theta_i) - (q2 k1 - q1 k2) sin((m - n) theta_i)
            double closed = 0;
            for (int i = 0; i < HD / 2; i++) {
                double q1 = q[i], q2 = q[i + HD / 2], k1 = k[i], k2 = k[i + HD / 2], phi = (qPos - kPos) * theta(i);
                closed += (q1 * k1 + q2 * k2) * Math.cos(phi) - (q2 * k1 - q1 * k2) * Math.sin(phi);
            }
            assertEquals(closed, at, TOL, "closed form in m - n = " + (qPos - kPos));
        });
    }
}
