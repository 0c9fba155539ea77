package strata.tests.autodiff;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static strata.tests.autodiff.GradientCheck.f32;
import static strata.tests.autodiff.GradientCheck.normal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import strata.compiler.autodiff.Gradients;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;

/**
 * Gradients through the tensors an attention's score region reads from the graph (captures):
 * learned ALiBi slopes (Press et al., 2022), a multiplicative per-head temperature that needs
 * the score s itself, and a T5-style table read at a computed bucket and the head; each equals
 * finite differences of the interpreter, with or without a causal mask, with grouped heads.
 */
class CapturedGradientTest {
    private static final Interpreter INTERP = Interpreter.inference();
    private static final TensorType I64 = TensorType.scalar(DType.I64), F32 = TensorType.scalar(DType.F32);
    private static final List<TensorType> SCORE_ARGS = List.of(I64, I64, I64, I64, F32);

    private static Value i64(GraphBuilder b, long v) { return b.constant(v, I64); }

    private static Value gather(GraphBuilder b, Value table, Value index) {
        return b.op(OpKind.GATHER, List.of(table, index), Map.of("axis", new Attr.Int(0)));
    }

    /**
     * form 0: s - slope[h] * (q - k) (ALiBi); form 1: s * temp[h] (needs s); form 2:
     * s + table[min(|k - q|, NB - 1) + NB * (k > q), h] (T5's buckets, simplified), where the
     * table is read at two scalar indices; the trainable capture and q, k, v all get gradients.
     */
    @Test
    void scoreRegionCapturesMatchFiniteDifferences() {
        qt().withExamples(30).forAll(longs().all(), integers().between(0, 5), integers().between(1, 4), integers().between(1, 3)).checkAssert((seed, form, tq, d) -> {
            Random r = new Random(seed);
            int bt = 1 + r.nextInt(2), hkv = 1 + r.nextInt(2), h = hkv * (1 + r.nextInt(2)), tk = tq + r.nextInt(3), dv = 1 + r.nextInt(3), nb = 2;
            boolean causal = form % 2 == 1;
            int kind = form / 2;
            GraphBuilder b = new GraphBuilder("captured");
            Value q = b.param("q", f32(bt, h, tq, d)), k = b.param("k", f32(bt, hkv, tk, d)), v = b.param("v", f32(bt, hkv, tk, dv));
            Value table = kind == 2 ? b.param("table", f32(2 * nb, h)) : b.param("table", f32(h));
            List<Region> regions = new ArrayList<>();
            int offset = tk - tq;
            if (causal) regions.add(b.region("mask", SCORE_ARGS.subList(0, 4), a -> b.op(OpKind.LE, a.get(3), b.op(OpKind.ADD, a.get(2), i64(b, offset)))));
            regions.add(b.region("score", SCORE_ARGS, a -> switch (kind) {
                case 0 -> {
                    Value dist = b.op(OpKind.CAST, List.of(b.op(OpKind.SUB, a.get(2), a.get(3))), Map.of(), F32, List.of());
                    yield b.op(OpKind.SUB, a.get(4), b.op(OpKind.MUL, gather(b, table, a.get(1)), dist));
                }
                case 1 -> b.op(OpKind.MUL, a.get(4), gather(b, table, a.get(1)));
                default -> {
                    Value rel = b.op(OpKind.SUB, a.get(3), a.get(2));
                    Value dist = b.op(OpKind.MIN, b.op(OpKind.MAX, rel, b.op(OpKind.NEG, rel)), i64(b, nb - 1));
                    Value side = b.op(OpKind.MUL, b.op(OpKind.CAST, List.of(b.op(OpKind.GT, rel, i64(b, 0))), Map.of(), I64, List.of()), i64(b, nb));
                    Value row = gather(b, table, b.op(OpKind.ADD, side, dist));
                    yield b.op(OpKind.ADD, a.get(4), gather(b, row, a.get(1)));
                }
            }));
            Value o = b.op(OpKind.ATTENTION, List.of(q, k, v), Map.of("scale", new Attr.Float(0.7)), null, regions);
            RefTensor t = kind == 2 ? normal(r, 2 * nb, h) : GradientCheck.uniform(r, 0.1, 1, h);
            Map<String, RefTensor> params = Map.of("q", normal(r, bt, h, tq, d), "k", normal(r, bt, hkv, tk, d), "v", normal(r, bt, hkv, tk, dv), "table", t);
            GradientCheck.assertMatches(b.build(List.of(o)), List.of(o), Map.of(), params, Map.of(), INTERP, r, 0);
        });
    }

    /** A mask is boolean: a trainable tensor it reads has no gradient, and autodiff says so instead of returning zeros. */
    @Test
    void aTrainableTensorReadByTheMaskIsRefusedByName() {
        GraphBuilder b = new GraphBuilder("masked");
        Value q = b.param("q", f32(1, 1, 2, 2)), k = b.param("k", f32(1, 1, 2, 2)), v = b.param("v", f32(1, 1, 2, 2));
        Value gate = b.param("gate", f32(1));
        Region mask = b.region("mask", SCORE_ARGS.subList(0, 4), a -> b.op(OpKind.GT, gather(b, gate, a.get(1)), b.constant(0, F32)));
        Value o = b.op(OpKind.ATTENTION, List.of(q, k, v), Map.of(), null, List.of(mask));
        var g = GradientCheck.linearLoss(b.build(List.of(o)), List.of(o));
        var e = assertThrows(UnsupportedOperationException.class, () -> Gradients.append(g, g.outputs().getFirst()));
        assertTrue(e.getMessage().contains("mask region reads it") && e.getMessage().contains("freeze"), e.getMessage());
    }
}
