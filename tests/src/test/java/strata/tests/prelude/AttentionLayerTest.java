package strata.tests.prelude;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static strata.tests.prelude.LayerFixture.assertClose;
import static strata.tests.prelude.LayerFixture.f32;
import static strata.tests.prelude.LayerFixture.gaussian;
import static strata.tests.prelude.LayerFixture.i32;
import static strata.tests.prelude.LayerFixture.shape;

import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import strata.compiler.graph.DType;
import strata.compiler.interp.RefTensor;
import strata.tests.ModelFiles;
import strata.tests.prelude.HandAttention.Score;
import strata.tests.prelude.HandAttention.Visible;
import strata.tests.prelude.HandAttention.Weights;

/**
 * SelfAttention (MHA, GQA, MQA) and CrossAttention, and every prelude mask and score modifier,
 * against {@link HandAttention} computed with the same weights.
 */
class AttentionLayerTest {
    private static final int B = 2, T = 5;

    /** Random weights for a layer `a` with the given projection widths, bound into the fixture. */
    private static Weights weights(LayerFixture m, Random rnd, int d, int dkv, int qWidth, int kvWidth, boolean bias) {
        double std = 0.6;
        Weights w = new Weights(gaussian(rnd, std, qWidth * d), bias ? gaussian(rnd, std, qWidth) : null,
                gaussian(rnd, std, kvWidth * dkv), bias ? gaussian(rnd, std, kvWidth) : null,
                gaussian(rnd, std, kvWidth * dkv), bias ? gaussian(rnd, std, kvWidth) : null,
                gaussian(rnd, std, d * qWidth), bias ? gaussian(rnd, std, d) : null);
        m.param("a.q_proj.weight", f32(shape(qWidth, d), w.wq())).param("a.k_proj.weight", f32(shape(kvWidth, dkv), w.wk()))
                .param("a.v_proj.weight", f32(shape(kvWidth, dkv), w.wv())).param("a.o_proj.weight", f32(shape(d, qWidth), w.wo()));
        if (bias)
            m.param("a.q_proj.b", f32(shape(qWidth), w.bq())).param("a.k_proj.b", f32(shape(kvWidth), w.bk()))
                    .param("a.v_proj.b", f32(shape(kvWidth), w.bv())).param("a.o_proj.b", f32(shape(d), w.bo()));
        return w;
    }

    @ParameterizedTest(name = "heads = 4, kv_heads = {0}")
    @CsvSource({"4", "2", "1"})
    void selfAttentionMatchesHandWrittenCausalAttention(int kvHeads) {
        int d = 8, heads = 4, hd = d / heads;
        Random rnd = new Random(20 + kvHeads);
        var m = LayerFixture.model("input x: f32[B, T, 8]\na = SelfAttention(8, 4, kv_heads = " + kvHeads + ")\nforward { return a(x) }");
        assertEquals(8, m.paramNames().size(), "four projections with biases: " + m.paramNames());
        Weights w = weights(m, rnd, d, d, heads * hd, kvHeads * hd, true);
        double[] x = gaussian(rnd, 1, B * T * d);
        RefTensor y = m.input("x", f32(shape(B, T, d), x)).run();
        double[] expected = HandAttention.layer(x, x, w, B, T, T, d, d, heads, kvHeads, (b, h, q, k) -> k <= q, HandAttention.PLAIN);
        assertClose(expected, shape(B, T, d), y);
    }

    @Test
    void groupedQueryHeadsShareTheirKeyValueHead() {
        // With kv_heads = 1 every query head reads the same keys and values: equal queries give equal heads.
        int d = 8, heads = 4;
        Random rnd = new Random(30);
        var m = LayerFixture.model("input x: f32[B, T, 8]\na = SelfAttention(8, 4, kv_heads = 1, bias = false)\nforward { return a(x) }");
        assertEquals(Set.of("a.q_proj.weight", "a.k_proj.weight", "a.v_proj.weight", "a.o_proj.weight"), m.paramNames());
        Weights w = weights(m, rnd, d, d, d, 2, false);
        double[] wq = w.wq().clone();
        for (int h = 1; h < heads; h++) System.arraycopy(wq, 0, wq, h * 2 * d, 2 * d);
        m.param("a.q_proj.weight", f32(shape(d, d), wq));
        double[] eye = new double[d * d];
        for (int i = 0; i < d; i++) eye[i * d + i] = 1;
        m.param("a.o_proj.weight", f32(shape(d, d), eye));
        double[] y = m.input("x", f32(shape(B, T, d), gaussian(rnd, 1, B * T * d))).run().toArray();
        for (int row = 0; row < B * T; row++)
            for (int h = 1; h < heads; h++)
                for (int c = 0; c < 2; c++) assertEquals(y[row * d + c], y[row * d + h * 2 + c], LayerFixture.TOL);
    }

    @Test
    void keyValueHeadsThatDoNotDivideTheQueryHeadsAreAnErrorAtTheAttentionCall() {
        var b = ModelFiles.buildText("gqa.strata", "import prelude\nmodel M {\ninput x: f32[B, T, 8]\na = SelfAttention(8, 4, kv_heads = 3)\n"
                + "forward { return a(x) }\n}\n", null);
        assertTrue(b.diagnostics().hasErrors());
        assertTrue(b.rendered().contains("requirement `heads % kv_heads == 0` does not hold (heads % kv_heads is 1)"), b.rendered());
        assertTrue(b.rendered().contains("required by the part made at gqa.strata:4:1"), b.rendered());
        assertEquals(1, b.diagnostics().errorCount(), "no follow-on errors: " + b.rendered());

        var direct = ModelFiles.buildText("gqa2.strata", "model M {\ninput q: f32[B, 4, T, 2]\ninput k: f32[B, 3, T, 2]\n"
                + "forward { return attention(q, k, k) }\n}\n", null);
        assertTrue(direct.rendered().contains("attention: 4 query heads are not a multiple of 3 key/value heads"), direct.rendered());
        assertFalse(direct.rendered().contains("attention: attention:"), "the op is named once: " + direct.rendered());
    }

    @Test
    void crossAttentionAttendsToTheUnpaddedMemory() {
        int d = 6, dkv = 5, heads = 3, s = 4;
        Random rnd = new Random(31);
        var m = LayerFixture.model("""
                input x: f32[B, T, 6]
                input memory: f32[B, S, 5]
                input len: i32[B]
                a = CrossAttention(6, 3, d_kv = 5, mask = padding(len), empty = zeros)
                forward { return a(x, memory) }""");
        Weights w = weights(m, rnd, d, dkv, d, d, true);
        double[] x = gaussian(rnd, 1, B * T * d), memory = gaussian(rnd, 1, B * s * dkv);
        int[] len = {3, 1};
        RefTensor y = m.input("x", f32(shape(B, T, d), x)).input("memory", f32(shape(B, s, dkv), memory))
                .input("len", i32(shape(B), new double[] {len[0], len[1]})).run();
        double[] expected = HandAttention.layer(x, memory, w, B, T, s, d, dkv, heads, heads, (b, h, q, k) -> k < len[b], HandAttention.PLAIN);
        assertClose(expected, shape(B, T, d), y);
        // The padded memory rows must not matter at all.
        double[] changed = memory.clone();
        for (int k = len[1]; k < s; k++) Arrays.fill(changed, (s + k) * dkv, (s + k + 1) * dkv, 100.0);
        assertClose(y.toArray(), shape(B, T, d), m.input("memory", f32(shape(B, s, dkv), changed)).run());
    }

    @Test
    void crossAttentionIsBidirectionalByDefault() {
        int d = 4, heads = 2, s = 3;
        Random rnd = new Random(32);
        var m = LayerFixture.model("input x: f32[B, T, 4]\ninput memory: f32[B, S, 4]\na = CrossAttention(4, 2)\nforward { return a(x, memory) }");
        Weights w = weights(m, rnd, d, d, d, d, true);
        double[] x = gaussian(rnd, 1, B * T * d), memory = gaussian(rnd, 1, B * s * d);
        RefTensor y = m.input("x", f32(shape(B, T, d), x)).input("memory", f32(shape(B, s, d), memory)).run();
        assertClose(HandAttention.layer(x, memory, w, B, T, s, d, d, heads, heads, (b, h, q, k) -> true, HandAttention.PLAIN), shape(B, T, d), y);
    }

    // ---- masks ----

    private static final int[] LEN = {4, 2}, PREFIX = {3, 0};
    private static final int[][] SEG = {{0, 0, 1, 1, 1}, {0, 1, 1, 2, 2}};
    private static final boolean[][][] SEEN = randomVisible(new Random(33));

    private static boolean[][][] randomVisible(Random rnd) {
        boolean[][][] v = new boolean[B][T][T];
        for (boolean[][] b : v) for (boolean[] row : b) for (int k = 0; k < T; k++) row[k] = rnd.nextBoolean();
        v[0][1] = new boolean[T]; // a query row that sees nothing
        return v;
    }

    /** A mask as written in Strata, beside the same predicate written in Java. */
    record MaskCase(String strata, Visible visible) {
        @Override public String toString() { return strata; }
    }

    static Stream<Arguments> masks() {
        return Stream.of(
                new MaskCase("causal", (b, h, q, k) -> k <= q),
                new MaskCase("bidirectional", (b, h, q, k) -> true),
                new MaskCase("padding(len)", (b, h, q, k) -> k < LEN[b]),
                new MaskCase("prefix_lm(prefix)", (b, h, q, k) -> k <= q || k < PREFIX[b]),
                new MaskCase("sliding(2)", (b, h, q, k) -> k <= q && q - k < 2),
                new MaskCase("sliding(window = 2, sinks = 1)", (b, h, q, k) -> k <= q && (q - k < 2 || k < 1)),
                new MaskCase("document(seg)", (b, h, q, k) -> SEG[b][q] == SEG[b][k] && k <= q),
                new MaskCase("visible(seen)", (b, h, q, k) -> SEEN[b][q][k]),
                new MaskCase("causal and padding(len)", (b, h, q, k) -> k <= q && k < LEN[b]),
                new MaskCase("sliding(3) or prefix_lm(prefix)", (b, h, q, k) -> (k <= q && q - k < 3) || k <= q || k < PREFIX[b]))
                .map(Arguments::of);
    }

    /** A self-attention model over x with every per-sample input a mask may use. */
    private static LayerFixture maskedModel(String mask, String score) {
        return LayerFixture.model("""
                input x: f32[B, T, 8]
                input len: i32[B]
                input prefix: i32[B]
                input seg: i32[B, T]
                input seen: bool[B, T, T]
                input slope: f32[2]
                a = SelfAttention(8, 2, mask = %s, score = %s, empty = zeros)
                forward { return a(x) }""".formatted(mask, score));
    }

    private static LayerFixture withMaskData(LayerFixture m) {
        double[] seg = new double[B * T], seen = new double[B * T * T];
        for (int b = 0; b < B; b++)
            for (int q = 0; q < T; q++) {
                seg[b * T + q] = SEG[b][q];
                for (int k = 0; k < T; k++) seen[(b * T + q) * T + k] = SEEN[b][q][k] ? 1 : 0;
            }
        return m.input("len", i32(shape(B), new double[] {LEN[0], LEN[1]})).input("prefix", i32(shape(B), new double[] {PREFIX[0], PREFIX[1]}))
                .input("seg", i32(shape(B, T), seg)).input("seen", RefTensor.of(DType.BOOL, shape(B, T, T), seen))
                .input("slope", f32(shape(2), new double[] {0.5, 0.125}));
    }

    @ParameterizedTest(name = "mask = {0}")
    @MethodSource("masks")
    void maskedAttentionEqualsHandWrittenMaskedAttention(MaskCase mask) {
        int d = 8, heads = 2;
        Random rnd = new Random(34);
        var m = withMaskData(maskedModel(mask.strata(), "none"));
        Weights w = weights(m, rnd, d, d, d, d, true);
        double[] x = gaussian(rnd, 1, B * T * d);
        RefTensor y = m.input("x", f32(shape(B, T, d), x)).run();
        assertClose(HandAttention.layer(x, x, w, B, T, T, d, d, heads, heads, mask.visible(), HandAttention.PLAIN), shape(B, T, d), y);
    }

    @Test
    void maskedKeysDoNotInfluenceTheOutput() {
        // Under the causal mask the first position's output depends on x[0] alone.
        int d = 8;
        Random rnd = new Random(35);
        var m = withMaskData(maskedModel("causal", "none"));
        weights(m, rnd, d, d, d, d, true);
        double[] x = gaussian(rnd, 1, B * T * d);
        double[] y = m.input("x", f32(shape(B, T, d), x)).run().toArray();
        for (int i = d; i < T * d; i++) x[i] += 10;
        double[] moved = m.input("x", f32(shape(B, T, d), x)).run().toArray();
        for (int c = 0; c < d; c++) assertEquals(y[c], moved[c], LayerFixture.TOL);
        assertTrue(Math.abs(y[d] - moved[d]) > 1e-3, "later positions do see the change");
    }

    // ---- score modifiers ----

    record ScoreCase(String strata, Score score) {
        @Override public String toString() { return strata; }
    }

    static Stream<Arguments> scores() {
        double[] slope = {0.5, 0.125};
        return Stream.of(
                new ScoreCase("alibi(slope)", (b, h, q, k, s) -> s - slope[h] * (q - k)),
                new ScoreCase("softcap(0.5)", (b, h, q, k, s) -> 0.5 * Math.tanh(s / 0.5)),
                new ScoreCase("softcap(cap = 30.0)", (b, h, q, k, s) -> 30.0 * Math.tanh(s / 30.0)))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "score = {0}")
    @MethodSource("scores")
    void scoreModifiedAttentionEqualsHandWrittenAttention(ScoreCase score) {
        int d = 8, heads = 2;
        Random rnd = new Random(36);
        var m = withMaskData(maskedModel("causal", score.strata()));
        Weights w = weights(m, rnd, d, d, d, d, true);
        double[] x = gaussian(rnd, 2, B * T * d);
        RefTensor y = m.input("x", f32(shape(B, T, d), x)).run();
        assertClose(HandAttention.layer(x, x, w, B, T, T, d, d, heads, heads, (b, h, q, k) -> k <= q, score.score()), shape(B, T, d), y);
    }

    @Test
    void selfAttentionWithRotaryRotatesQueriesAndKeys() {
        // Rotary inside attention, as LLaMA uses it: q and k rotated per head by position, v not.
        int d = 8, heads = 2, hd = 4;
        Random rnd = new Random(37);
        var m = LayerFixture.model("input x: f32[B, T, 8]\na = SelfAttention(8, 2, rope = Rotary(), bias = false)\nforward { return a(x) }");
        Weights w = weights(m, rnd, d, d, d, d, false);
        double[] x = gaussian(rnd, 1, B * T * d);
        RefTensor y = m.input("x", f32(shape(B, T, d), x)).run();
        double[] q = rotate(HandAttention.splitHeads(LayerFixture.affine(x, B * T, d, w.wq(), null, d), B, T, heads, hd), hd);
        double[] k = rotate(HandAttention.splitHeads(LayerFixture.affine(x, B * T, d, w.wk(), null, d), B, T, heads, hd), hd);
        double[] v = HandAttention.splitHeads(LayerFixture.affine(x, B * T, d, w.wv(), null, d), B, T, heads, hd);
        double[] o = HandAttention.mergeHeads(HandAttention.attend(q, k, v, B, heads, heads, T, T, hd, (b, h, i, j) -> j <= i, HandAttention.PLAIN),
                B, T, heads, hd);
        assertClose(LayerFixture.affine(o, B * T, d, w.wo(), null, d), shape(B, T, d), y);
    }

    /** [.., T, hd] rows rotated pairwise (i, i + hd/2) by p / 10000^(2i/hd). */
    private static double[] rotate(double[] x, int hd) {
        double[] y = new double[x.length];
        for (int row = 0; row < x.length / hd; row++) {
            int p = row % T;
            for (int i = 0; i < hd / 2; i++) {
                double a = p / Math.pow(10000, 2.0 * i / hd), x1 = x[row * hd + i], x2 = x[row * hd + i + hd / 2];
                y[row * hd + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
                y[row * hd + i + hd / 2] = x1 * Math.sin(a) + x2 * Math.cos(a);
            }
        }
        return y;
    }
}
