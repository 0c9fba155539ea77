package strata.tests.prelude;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static strata.tests.prelude.LayerFixture.affine;
import static strata.tests.prelude.LayerFixture.assertClose;
import static strata.tests.prelude.LayerFixture.f32;
import static strata.tests.prelude.LayerFixture.gaussian;
import static strata.tests.prelude.LayerFixture.i32;
import static strata.tests.prelude.LayerFixture.shape;

import java.util.Random;
import java.util.Set;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import strata.compiler.interp.RefTensor;

/**
 * The prelude's dense layers, norms and activations against closed forms computed here with
 * loops over arrays: each layer is the only part of a one-line model run by the interpreter.
 */
class PreludeLayerTest {
    private static final int B = 2, T = 3;

    @Test
    void linearIsInputTimesWeightTransposedPlusBias() {
        Random rnd = new Random(1);
        var m = LayerFixture.model("input x: f32[B, T, 4]\nlin = Linear(4, 3)\nforward { return lin(x) }");
        assertEquals(Set.of("lin.weight", "lin.b"), m.paramNames());
        double[] x = gaussian(rnd, 1, B * T * 4), w = gaussian(rnd, 1, 12), b = gaussian(rnd, 1, 3);
        RefTensor y = m.input("x", f32(shape(B, T, 4), x)).param("lin.weight", f32(shape(3, 4), w)).param("lin.b", f32(shape(3), b)).run();
        assertClose(affine(x, B * T, 4, w, b, 3), shape(B, T, 3), y);
    }

    @Test
    void linearWithoutBiasHasNoBiasParameter() {
        Random rnd = new Random(2);
        var m = LayerFixture.model("input x: f32[B, T, 4]\nlin = Linear(4, 5, bias = false)\nforward { return lin(x) }");
        assertEquals(Set.of("lin.weight"), m.paramNames());
        double[] x = gaussian(rnd, 1, B * T * 4), w = gaussian(rnd, 1, 20);
        RefTensor y = m.input("x", f32(shape(B, T, 4), x)).param("lin.weight", f32(shape(5, 4), w)).run();
        assertClose(affine(x, B * T, 4, w, null, 5), shape(B, T, 5), y);
    }

    @Test
    void linearAppliesToAnyLeadingShape() {
        Random rnd = new Random(3);
        var m = LayerFixture.model("input x: f32[2, 3, 2, 4]\nlin = Linear(4, 2)\nforward { return lin(x) }");
        double[] x = gaussian(rnd, 1, 48), w = gaussian(rnd, 1, 8), b = gaussian(rnd, 1, 2);
        RefTensor y = m.input("x", f32(shape(2, 3, 2, 4), x)).param("lin.weight", f32(shape(2, 4), w)).param("lin.b", f32(shape(2), b)).run();
        assertClose(affine(x, 12, 4, w, b, 2), shape(2, 3, 2, 2), y);
    }

    @Test
    void embeddingPicksTheRowOfEachId() {
        Random rnd = new Random(4);
        var m = LayerFixture.model("input ids: i32[B, T]\nemb = Embedding(7, 3)\nforward { return emb(ids) }");
        double[] table = gaussian(rnd, 1, 21);
        double[] ids = {6, 0, 3, 3, 1, 5};
        RefTensor y = m.input("ids", i32(shape(B, T), ids)).param("emb.weight", f32(shape(7, 3), table)).run();
        double[] expected = new double[ids.length * 3];
        for (int i = 0; i < ids.length; i++)
            for (int c = 0; c < 3; c++) expected[i * 3 + c] = table[(int) ids[i] * 3 + c];
        assertClose(expected, shape(B, T, 3), y);
    }

    /** (x - mean) / sqrt(var + eps) * gain + b over the last axis, var the biased variance (Ba et al. 2016). */
    private static double[] layerNorm(double[] x, int d, double[] gain, double[] b, double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / d; r++) {
            double mean = 0, var = 0;
            for (int c = 0; c < d; c++) mean += x[r * d + c] / d;
            for (int c = 0; c < d; c++) var += (x[r * d + c] - mean) * (x[r * d + c] - mean) / d;
            for (int c = 0; c < d; c++) y[r * d + c] = (x[r * d + c] - mean) / Math.sqrt(var + eps) * gain[c] + (b == null ? 0 : b[c]);
        }
        return y;
    }

    @ParameterizedTest(name = "bias = {0}")
    @ValueSource(booleans = {true, false})
    void layerNormNormalizesEachRowThenScalesAndShifts(boolean bias) {
        Random rnd = new Random(5);
        var m = LayerFixture.model("input x: f32[B, T, 5]\nn = LayerNorm(5, eps = 1e-3, bias = " + bias + ")\nforward { return n(x) }");
        assertEquals(bias ? Set.of("n.gain", "n.b") : Set.of("n.gain"), m.paramNames());
        double[] x = gaussian(rnd, 2, B * T * 5), gain = gaussian(rnd, 1, 5), b = gaussian(rnd, 1, 5);
        m.input("x", f32(shape(B, T, 5), x)).param("n.gain", f32(shape(5), gain));
        if (bias) m.param("n.b", f32(shape(5), b));
        assertClose(layerNorm(x, 5, gain, bias ? b : null, 1e-3), shape(B, T, 5), m.run());
    }

    @Test
    void layerNormDefaultEpsilonIsOneInHundredThousand() {
        var m = LayerFixture.model("input x: f32[1, 2]\nn = LayerNorm(2)\nforward { return n(x) }");
        double[] x = {0.001, -0.001};
        RefTensor y = m.input("x", f32(shape(1, 2), x)).param("n.gain", f32(shape(2), new double[] {1, 1}))
                .param("n.b", f32(shape(2), new double[] {0, 0})).run();
        assertClose(layerNorm(x, 2, new double[] {1, 1}, null, 1e-5), shape(1, 2), y);
    }

    @Test
    void rmsNormDividesByTheRootMeanSquare() {
        Random rnd = new Random(6);
        var m = LayerFixture.model("input x: f32[B, T, 6]\nn = RMSNorm(6)\nforward { return n(x) }");
        assertEquals(Set.of("n.gain"), m.paramNames());
        double[] x = gaussian(rnd, 0.01, B * T * 6), gain = gaussian(rnd, 1, 6);
        RefTensor y = m.input("x", f32(shape(B, T, 6), x)).param("n.gain", f32(shape(6), gain)).run();
        double[] expected = new double[x.length];
        for (int r = 0; r < B * T; r++) {
            double ms = 0;
            for (int c = 0; c < 6; c++) ms += x[r * 6 + c] * x[r * 6 + c] / 6;
            for (int c = 0; c < 6; c++) expected[r * 6 + c] = x[r * 6 + c] / Math.sqrt(ms + 1e-6) * gain[c];
        }
        assertClose(expected, shape(B, T, 6), y);
    }

    /** Applies a prelude function to a vector input. */
    private static RefTensor apply(String fn, double[] x) {
        var m = LayerFixture.model("input x: f32[" + x.length + "]\nforward { return " + fn + "(x) }");
        return m.input("x", f32(shape(x.length), x)).run();
    }

    private static double[] map(double[] x, DoubleUnaryOperator f) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = f.applyAsDouble(x[i]);
        return y;
    }

    @Test
    void geluErfIsXTimesTheNormalCdfAtTabulatedPoints() {
        double[] x = {-3, -1, -0.5, 0, 0.5, 1, 2};
        // Phi(x) from a table of the standard normal distribution, to 16 digits.
        double[] phi = {0.0013498980316301035, 0.15865525393145707, 0.3085375387259869, 0.5, 0.6914624612740131,
                0.8413447460685429, 0.9772498680518208};
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) expected[i] = x[i] * phi[i];
        assertClose(expected, shape(x.length), apply("gelu_erf", x));
    }

    @Test
    void geluTanhIsHendrycksAndGimpelsApproximation() {
        double[] x = {-4, -1.5, -0.25, 0, 0.3, 1, 2.5, 6};
        // GELU paper, section 2: 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
        double[] expected = map(x, v -> 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))));
        assertClose(expected, shape(x.length), apply("gelu_tanh", x));
    }

    @Test
    void reluClampsNegativesToZero() {
        double[] x = {-2, -1e-300, 0, 1e-300, 3.5};
        assertClose(new double[] {0, 0, 0, 1e-300, 3.5}, shape(x.length), apply("relu", x));
    }

    @Test
    void siluIsXTimesSigmoidOfX() {
        double[] x = {-20, -2, -0.5, 0, 0.5, 2, 20};
        assertClose(map(x, v -> v / (1 + Math.exp(-v))), shape(x.length), apply("silu", x));
    }

    @Test
    void identityReturnsItsInput() {
        double[] x = {-1.25, 0, 7};
        assertClose(x, shape(3), apply("identity", x));
    }

    @Test
    void multipleOfRoundsUpToAMultiple() {
        // LLaMA-7B's FFN width: multiple_of(256, 8 * 4096 / 3) = 11008; used here as a layer width.
        var m = LayerFixture.model("input x: f32[1, 1]\nlin = Linear(1, multiple_of(256, 8 * 4096 / 3), bias = false)\nforward { return lin(x) }");
        double[] w = new double[11008];
        RefTensor y = m.input("x", f32(shape(1, 1), new double[] {1})).param("lin.weight", f32(shape(11008, 1), w)).run();
        assertEquals(11008, y.dim(-1));
        var exact = LayerFixture.model("input x: f32[1, 1]\nlin = Linear(1, multiple_of(4, 8), bias = false)\nforward { return lin(x) }");
        assertEquals(8, exact.input("x", f32(shape(1, 1), new double[] {1})).param("lin.weight", f32(shape(8, 1), new double[8])).run().dim(-1));
    }

    @Test
    void swigluIsDownOfSiluGateTimesUp() {
        Random rnd = new Random(7);
        int d = 4, h = 6;
        var m = LayerFixture.model("input x: f32[B, T, 4]\nffn = SwiGLU(4, 6)\nforward { return ffn(x) }");
        assertEquals(Set.of("ffn.gate.weight", "ffn.up.weight", "ffn.down.weight"), m.paramNames());
        double[] x = gaussian(rnd, 1, B * T * d), gate = gaussian(rnd, 1, h * d), up = gaussian(rnd, 1, h * d), down = gaussian(rnd, 1, d * h);
        RefTensor y = m.input("x", f32(shape(B, T, d), x)).param("ffn.gate.weight", f32(shape(h, d), gate))
                .param("ffn.up.weight", f32(shape(h, d), up)).param("ffn.down.weight", f32(shape(d, h), down)).run();
        double[] g = affine(x, B * T, d, gate, null, h), u = affine(x, B * T, d, up, null, h);
        double[] hidden = new double[g.length];
        for (int i = 0; i < g.length; i++) hidden[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
        assertClose(affine(hidden, B * T, h, down, null, d), shape(B, T, d), y);
    }

    @ParameterizedTest(name = "dropout p = {0}")
    @ValueSource(doubles = {0.0, 0.5})
    void mlpIsDownOfGeluTanhOfUp(double p) {
        Random rnd = new Random(8);
        int d = 3, h = 5;
        var m = LayerFixture.model("input x: f32[B, T, 3]\nffn = MLP(3, 5, p = " + p + ")\nforward { return ffn(x) }");
        assertEquals(Set.of("ffn.up.weight", "ffn.up.b", "ffn.down.weight", "ffn.down.b"), m.paramNames());
        double[] x = gaussian(rnd, 1, B * T * d), wu = gaussian(rnd, 1, h * d), bu = gaussian(rnd, 1, h), wd = gaussian(rnd, 1, d * h),
                bd = gaussian(rnd, 1, d);
        RefTensor y = m.input("x", f32(shape(B, T, d), x)).param("ffn.up.weight", f32(shape(h, d), wu)).param("ffn.up.b", f32(shape(h), bu))
                .param("ffn.down.weight", f32(shape(d, h), wd)).param("ffn.down.b", f32(shape(d), bd)).run();
        double[] hidden = map(affine(x, B * T, d, wu, bu, h),
                v -> 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))));
        assertClose(affine(hidden, B * T, h, wd, bd, d), shape(B, T, d), y);
    }

    @Test
    void mlpTakesItsActivationAsAnArgument() {
        Random rnd = new Random(9);
        var m = LayerFixture.model("input x: f32[2, 2]\nffn = MLP(2, 3, act = relu, bias = false)\nforward { return ffn(x) }");
        double[] x = gaussian(rnd, 1, 4), wu = gaussian(rnd, 1, 6), wd = gaussian(rnd, 1, 6);
        RefTensor y = m.input("x", f32(shape(2, 2), x)).param("ffn.up.weight", f32(shape(3, 2), wu)).param("ffn.down.weight", f32(shape(2, 3), wd)).run();
        assertClose(affine(map(affine(x, 2, 2, wu, null, 3), v -> Math.max(v, 0)), 2, 3, wd, null, 2), shape(2, 2), y);
    }

    @Test
    void dropoutIsTheIdentityAtInference() {
        Random rnd = new Random(10);
        var m = LayerFixture.model("input x: f32[B, T, 4]\ndrop = Dropout(0.9)\nforward { return drop(x) }");
        double[] x = gaussian(rnd, 1, B * T * 4);
        assertClose(x, shape(B, T, 4), m.input("x", f32(shape(B, T, 4), x)).run());
    }
}
