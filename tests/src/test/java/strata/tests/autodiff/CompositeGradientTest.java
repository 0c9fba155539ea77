package strata.tests.autodiff;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static strata.tests.autodiff.GradientCheck.f32;
import static strata.tests.autodiff.GradientCheck.normal;

import java.util.ArrayList;
import java.util.HashMap;
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
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.tests.RandomTensors;

/**
 * The composites (softmax, layer_norm, rms_norm with and without gain and bias, gelu both ways,
 * cross_entropy with ignored positions, dropout in training, attention with masks, score
 * modifiers and grouped heads): gradients equal finite differences of the interpreter.
 */
class CompositeGradientTest {
    private static final Interpreter INTERP = Interpreter.inference();

    @Test
    void softmaxNormsAndGeluMatchFiniteDifferences() {
        qt().withExamples(30).forAll(longs().all(), integers().between(1, 3), integers().between(2, 5), integers().between(0, 3)).checkAssert((seed, m, d, affine) -> {
            Random r = new Random(seed);
            GraphBuilder b = new GraphBuilder("composites");
            Value x = b.param("x", f32(m, d));
            Value sm = b.op(OpKind.SOFTMAX, List.of(x), Map.of("axis", new Attr.Int(r.nextInt(2) - 2)));
            List<Value> normArgs = new ArrayList<>(List.of(x));
            Map<String, RefTensor> params = new HashMap<>(Map.of("x", normal(r, m, d)));
            if (affine >= 1) { normArgs.add(b.param("gamma", f32(d))); params.put("gamma", normal(r, d)); }
            if (affine >= 2) { normArgs.add(b.param("beta", f32(d))); params.put("beta", normal(r, d)); }
            Value ln = b.op(OpKind.LAYER_NORM, normArgs, Map.of("eps", new Attr.Float(1e-5)));
            Value rms = b.op(OpKind.RMS_NORM, normArgs, Map.of("eps", new Attr.Float(1e-6)));
            Value ge = b.op(OpKind.GELU, List.of(x), Map.of("approximate", new Attr.Str("erf")));
            Value gt = b.op(OpKind.GELU, List.of(x), Map.of("approximate", new Attr.Str("tanh")));
            List<Value> outs = List.of(sm, ln, rms, ge, gt);
            GradientCheck.assertMatches(b.build(outs), outs, Map.of(), params, Map.of(), INTERP, r, 0);
        });
    }

    /** cross_entropy: softmax minus one-hot, and nothing from positions whose target is the ignore_index (-100). */
    @Test
    void crossEntropyMatchesFiniteDifferencesAndIgnoresIgnoredPositions() {
        qt().withExamples(30).forAll(longs().all(), integers().between(1, 3), integers().between(1, 4), integers().between(2, 6)).checkAssert((seed, bt, t, v) -> {
            Random r = new Random(seed);
            GraphBuilder b = new GraphBuilder("ce");
            Value z = b.param("logits", f32(bt, t, v));
            Value tg = b.input("targets", TensorType.of(DType.I32, bt, t));
            Value ce = b.op(OpKind.CROSS_ENTROPY, List.of(z, tg), Map.of("ignore_index", new Attr.Int(-100)));
            double[] targets = RandomTensors.ints(r, 0, v, bt, t).toArray();
            for (int i = 0; i < targets.length; i++) if (r.nextInt(4) == 0) targets[i] = -100;
            Map<String, RefTensor> in = Map.of("targets", RefTensor.of(DType.I32, new long[] {bt, t}, targets));
            GradientCheck.assertMatches(b.build(List.of(ce)), List.of(ce), in, Map.of("logits", normal(r, bt, t, v)), Map.of(), INTERP, r, 0);
        });
    }

    /** In training, dropout's adjoint goes through the same mask: the interpreter draws it from the op seed, the step seed and the index. */
    @Test
    void dropoutInTrainingMatchesFiniteDifferences() {
        qt().withExamples(15).forAll(longs().all(), integers().between(1, 4), integers().between(1, 8)).checkAssert((seed, m, d) -> {
            Random r = new Random(seed);
            GraphBuilder b = new GraphBuilder("dropout");
            Value x = b.param("x", f32(m, d));
            Value y = b.op(OpKind.DROPOUT, List.of(b.op(OpKind.TANH, x)), Map.of("p", new Attr.Float(0.4), "seed", new Attr.Int(r.nextInt(100))));
            GradientCheck.assertMatches(b.build(List.of(y)), List.of(y), Map.of(), Map.of("x", normal(r, m, d)), Map.of(), Interpreter.training(seed), r, 0);
        });
    }

    private static final List<TensorType> INDICES = List.of(TensorType.scalar(DType.I64), TensorType.scalar(DType.I64), TensorType.scalar(DType.I64), TensorType.scalar(DType.I64));

    /**
     * attention with grouped heads (Hkv dividing H), no mask or a causal one (queries at the end of
     * the keys, so every row sees a key), and no score modifier, a soft cap cap * tanh(s / cap), or
     * ALiBi with slopes captured from an input (Press et al., 2022); the score modifier's derivative
     * is the score_grad region autodiff derives from it.
     */
    @Test
    void attentionMatchesFiniteDifferencesWithMasksScoreModifiersAndGroupedHeads() {
        qt().withExamples(30).forAll(longs().all(), integers().between(0, 5), integers().between(1, 4), integers().between(1, 3)).checkAssert((seed, form, tq, d) -> {
            Random r = new Random(seed);
            int bt = 1 + r.nextInt(2), hkv = 1 + r.nextInt(2), h = hkv * (1 + r.nextInt(2)), tk = tq + r.nextInt(3), dv = 1 + r.nextInt(3);
            boolean causal = form % 2 == 1;
            int score = form / 2;
            GraphBuilder b = new GraphBuilder("attention");
            Value q = b.param("q", f32(bt, h, tq, d)), k = b.param("k", f32(bt, hkv, tk, d)), v = b.param("v", f32(bt, hkv, tk, dv));
            Value slopes = b.input("slopes", f32(h));
            List<Region> regions = new ArrayList<>();
            int offset = tk - tq;
            if (causal) regions.add(b.region("mask", INDICES, a -> {
                Value shifted = b.op(OpKind.ADD, a.get(2), b.constant(offset, TensorType.scalar(DType.I64)));
                return b.op(OpKind.LE, a.get(3), shifted);
            }));
            List<TensorType> scoreArgs = new ArrayList<>(INDICES);
            scoreArgs.add(TensorType.scalar(DType.F32));
            if (score == 1) regions.add(b.region("score", scoreArgs, a -> {
                Value cap = b.constant(1.5, TensorType.scalar(DType.F32));
                return b.op(OpKind.MUL, cap, b.op(OpKind.TANH, b.op(OpKind.DIV, a.get(4), cap)));
            }));
            if (score == 2) regions.add(b.region("score", scoreArgs, a -> {
                Value slope = b.op(OpKind.GATHER, List.of(slopes, a.get(1)), Map.of("axis", new Attr.Int(0)));
                Value dist = b.op(OpKind.CAST, List.of(b.op(OpKind.SUB, a.get(2), a.get(3))), Map.of(), TensorType.scalar(DType.F32), List.of());
                return b.op(OpKind.SUB, a.get(4), b.op(OpKind.MUL, slope, dist));
            }));
            Value o = b.op(OpKind.ATTENTION, List.of(q, k, v), Map.of("scale", new Attr.Float(0.7)), null, regions);
            Map<String, RefTensor> params = Map.of("q", normal(r, bt, h, tq, d), "k", normal(r, bt, hkv, tk, d), "v", normal(r, bt, hkv, tk, dv));
            GradientCheck.assertMatches(b.build(List.of(o)), List.of(o), Map.of("slopes", GradientCheck.uniform(r, 0.1, 1, h)), params, Map.of(), INTERP, r, 0);
        });
    }
}
