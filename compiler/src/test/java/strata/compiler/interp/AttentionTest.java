package strata.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static strata.compiler.interp.SingleOp.attrs;
import static strata.compiler.interp.SingleOp.randn;
import static strata.compiler.interp.SingleOp.shape;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;

class AttentionTest {
    private static final TensorType I64 = TensorType.scalar(DType.I64), F32 = TensorType.scalar(DType.F32);

    /** Builds a region body from its arguments (b, h, q, k[, s]) and the graph's captured inputs. */
    interface Body {
        Value build(GraphBuilder b, List<Value> args, Map<String, Value> captured);
    }

    /** Runs attention(q, k, v) through the interpreter; {@code captured} become inputs the regions may read. */
    static RefTensor attend(RefTensor q, RefTensor k, RefTensor v, Map<String, Attr> attrs, Body mask, Body score, Map<String, RefTensor> captured) {
        GraphBuilder b = new GraphBuilder("attention");
        Map<String, RefTensor> inputs = new HashMap<>(captured);
        inputs.put("q", q);
        inputs.put("k", k);
        inputs.put("v", v);
        Map<String, Value> values = new LinkedHashMap<>();
        for (var e : inputs.entrySet()) values.put(e.getKey(), b.input(e.getKey(), TensorType.of(e.getValue().dtype(), e.getValue().shape())));
        List<Region> regions = new ArrayList<>();
        if (mask != null) regions.add(b.region("mask", List.of(I64, I64, I64, I64), args -> mask.build(b, args, values)));
        if (score != null) regions.add(b.region("score", List.of(I64, I64, I64, I64, F32), args -> score.build(b, args, values)));
        Value out = b.op(OpKind.ATTENTION, List.of(values.get("q"), values.get("k"), values.get("v")), attrs, null, regions);
        return new Interpreter().run(b.build(List.of(out)), inputs, Map.of()).getFirst();
    }

    interface Visible {
        boolean test(int b, int h, int q, int k);
    }

    interface Bias {
        double apply(int b, int h, int q, int k);
    }

    /** softmax(scale q k^T + bias, over visible keys) v, head by head, written out densely. */
    static RefTensor dense(RefTensor q, RefTensor k, RefTensor v, double scale, Visible visible, Bias bias) {
        int nb = (int) q.dim(0), nh = (int) q.dim(1), tq = (int) q.dim(2), d = (int) q.dim(3);
        int nkv = (int) k.dim(1), tk = (int) k.dim(2), dv = (int) v.dim(3);
        double[] out = new double[nb * nh * tq * dv];
        for (int b = 0; b < nb; b++)
            for (int h = 0; h < nh; h++)
                for (int i = 0; i < tq; i++) {
                    int kh = h * nkv / nh;
                    double[] w = new double[tk];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < tk; j++) {
                        if (!visible.test(b, h, i, j)) { w[j] = Double.NaN; continue; }
                        double s = 0;
                        for (int c = 0; c < d; c++) s += q.get(b, h, i, c) * k.get(b, kh, j, c);
                        w[j] = scale * s + bias.apply(b, h, i, j);
                        max = Math.max(max, w[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < tk; j++) if (!Double.isNaN(w[j])) z += Math.exp(w[j] - max);
                    for (int j = 0; j < tk; j++) {
                        if (Double.isNaN(w[j])) continue;
                        double p = Math.exp(w[j] - max) / z;
                        for (int c = 0; c < dv; c++) out[((b * nh + h) * tq + i) * dv + c] += p * v.get(b, kh, j, c);
                    }
                }
        return RefTensor.of(shape(nb, nh, tq, dv), out);
    }

    private static final Body CAUSAL = (b, args, captured) -> b.op(OpKind.LE, args.get(3), args.get(2));

    @Test
    void causalAttentionEqualsADenseCausalSoftmaxAttention() {
        qt().forAll(integers().between(1, 3), integers().between(1, 7), integers().between(1, 5), longs().all()).checkAssert((heads, t, d, seed) -> {
            Random rnd = new Random(seed);
            int batch = 1 + rnd.nextInt(2), dv = 1 + rnd.nextInt(4);
            RefTensor q = randn(rnd, batch, heads, t, d), k = randn(rnd, batch, heads, t, d), v = randn(rnd, batch, heads, t, dv);
            RefTensor got = attend(q, k, v, Map.of(), CAUSAL, null, Map.of());
            RefTensor want = dense(q, k, v, 1 / Math.sqrt(d), (b, h, i, j) -> j <= i, (b, h, i, j) -> 0);
            assertTrue(got.equalsWithin(want, 1e-12, 1e-12), () -> got + "\nvs\n" + want);
        });
    }

    @Test
    void withoutAMaskEveryKeyIsVisibleAndTheScaleAttributeApplies() {
        Random rnd = new Random(3);
        RefTensor q = randn(rnd, 1, 2, 3, 4), k = randn(rnd, 1, 2, 5, 4), v = randn(rnd, 1, 2, 5, 3);
        RefTensor got = attend(q, k, v, attrs("scale", 0.7), null, null, Map.of());
        assertTrue(got.equalsWithin(dense(q, k, v, 0.7, (b, h, i, j) -> true, (b, h, i, j) -> 0), 1e-12, 1e-12));
    }

    @Test
    void aRowWhoseMaskHidesEveryKeyIsZero() {
        Random rnd = new Random(5);
        RefTensor q = randn(rnd, 1, 1, 3, 2), k = randn(rnd, 1, 1, 3, 2), v = randn(rnd, 1, 1, 3, 2);
        // mask(b, h, q, k) = q != 1: query row 1 sees nothing
        Body hideRowOne = (b, args, captured) -> b.op(OpKind.NE, args.get(2), b.constant(1, I64));
        RefTensor got = attend(q, k, v, Map.of(), hideRowOne, null, Map.of());
        assertArrayEquals(new double[] {0, 0}, new double[] {got.get(0, 0, 1, 0), got.get(0, 0, 1, 1)});
        RefTensor want = dense(q, k, v, 1 / Math.sqrt(2), (b, h, i, j) -> i != 1, (b, h, i, j) -> 0);
        assertTrue(got.equalsWithin(want, 1e-12, 1e-12));
    }

    @Test
    void aScoreRegionThatSendsEveryScoreToMinusInfinityAlsoYieldsZeros() {
        Random rnd = new Random(7);
        RefTensor q = randn(rnd, 1, 1, 2, 2), k = randn(rnd, 1, 1, 3, 2), v = randn(rnd, 1, 1, 3, 2);
        Body minusInf = (b, args, captured) -> b.constant(Double.NEGATIVE_INFINITY, F32);
        RefTensor got = attend(q, k, v, Map.of(), null, minusInf, Map.of());
        assertArrayEquals(new double[4], got.toArray());
    }

    @Test
    void groupedQueryAttentionEqualsMultiHeadWithRepeatedKeyValueHeads() {
        qt().forAll(integers().between(1, 3), integers().between(1, 3), integers().between(1, 6), longs().all()).checkAssert((kvHeads, group, t, seed) -> {
            Random rnd = new Random(seed);
            int heads = kvHeads * group, d = 1 + rnd.nextInt(4), batch = 1 + rnd.nextInt(2);
            RefTensor q = randn(rnd, batch, heads, t, d), k = randn(rnd, batch, kvHeads, t, d), v = randn(rnd, batch, kvHeads, t, d);
            RefTensor gqa = attend(q, k, v, Map.of(), CAUSAL, null, Map.of());
            RefTensor mha = attend(q, repeatHeads(k, group), repeatHeads(v, group), Map.of(), CAUSAL, null, Map.of());
            assertTrue(gqa.equalsWithin(mha, 0, 0), () -> gqa + "\nvs\n" + mha);
        });
    }

    /** [B, Hkv, T, D] -> [B, Hkv * group, T, D], head h a copy of head h / group. */
    private static RefTensor repeatHeads(RefTensor x, int group) {
        long[] s = x.shape();
        long[] r = shape(s[0], s[1] * group, s[2], s[3]);
        double[] d = new double[x.size() * group];
        int p = 0;
        for (long b = 0; b < r[0]; b++)
            for (long h = 0; h < r[1]; h++)
                for (long t = 0; t < r[2]; t++)
                    for (long c = 0; c < r[3]; c++) d[p++] = x.get(b, h / group, t, c);
        return RefTensor.of(r, d);
    }

    @Test
    void aMaskMayReadPerSampleDataCapturedFromTheGraph() {
        // prefix-length padding mask: key k is visible in sample b when k < lens[b]
        Random rnd = new Random(11);
        RefTensor q = randn(rnd, 3, 2, 4, 3), k = randn(rnd, 3, 2, 5, 3), v = randn(rnd, 3, 2, 5, 2);
        RefTensor lens = SingleOp.ints(shape(3), 5, 2, 0);
        Body padding = (b, args, captured) -> {
            Value len = b.op(OpKind.GATHER, List.of(captured.get("lens"), args.get(0)), attrs("axis", 0));
            return b.op(OpKind.LT, args.get(3), len);
        };
        RefTensor got = attend(q, k, v, Map.of(), padding, null, Map.of("lens", lens));
        int[] len = {5, 2, 0};
        assertTrue(got.equalsWithin(dense(q, k, v, 1 / Math.sqrt(3), (b, h, i, j) -> j < len[b], (b, h, i, j) -> 0), 1e-12, 1e-12));
        for (int c = 0; c < 2; c++) assertEquals(0.0, got.get(2, 1, 3, c), "sample 2 has no keys at all");
    }

    @Test
    void aScoreRegionAddsItsBiasBeforeTheSoftmax() {
        // ALiBi-style (Press et al., 2022): s - slope * (q - k), slope 0.5 * (h + 1)
        Random rnd = new Random(13);
        RefTensor q = randn(rnd, 2, 2, 4, 3), k = randn(rnd, 2, 2, 4, 3), v = randn(rnd, 2, 2, 4, 3);
        Body alibi = (b, args, captured) -> {
            Value dist = b.op(OpKind.CAST, List.of(b.op(OpKind.SUB, args.get(2), args.get(3))), Map.of(), F32, List.of());
            Value heads = b.op(OpKind.CAST, List.of(b.op(OpKind.ADD, args.get(1), b.constant(1, I64))), Map.of(), F32, List.of());
            Value slope = b.op(OpKind.MUL, heads, b.constant(0.5, F32));
            return b.op(OpKind.SUB, args.get(4), b.op(OpKind.MUL, slope, dist));
        };
        RefTensor got = attend(q, k, v, Map.of(), CAUSAL, alibi, Map.of());
        RefTensor want = dense(q, k, v, 1 / Math.sqrt(3), (b, h, i, j) -> j <= i, (b, h, i, j) -> -0.5 * (h + 1) * (i - j));
        assertTrue(got.equalsWithin(want, 1e-12, 1e-12), () -> got + "\nvs\n" + want);
    }
}
