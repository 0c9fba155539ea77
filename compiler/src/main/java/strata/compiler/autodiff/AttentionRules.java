package strata.compiler.autodiff;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import strata.compiler.graph.Attr;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;

/**
 * Attention's gradient: one {@code attention_grad} op per operand that needs it, carrying copies
 * of the forward's mask and score regions and, when there is a score modifier, its derivative
 * with respect to the score as a "score_grad" region, made here by differentiating the region's
 * scalar program with the same rules as the graph. Kept whole so that a backend can fuse it
 * without a T x T buffer, as FlashAttention-2's backward does.
 */
final class AttentionRules {
    private AttentionRules() {}

    private static final String[] WRT = {"q", "k", "v"};

    static void adjoints(Op op, Value dout, Predicate<Value> needs, AdjointBuilder b, Value[] d) {
        for (int i = 0; i < 3; i++)
            if (needs.test(op.operands().get(i))) d[i] = grad(op, dout, WRT[i], b);
    }

    /** {@code attention_grad(q, k, v, dout) {wrt}} with fresh copies of op's regions. */
    static Value grad(Op op, Value dout, String wrt, AdjointBuilder b) {
        Map<String, Attr> attrs = new HashMap<>(op.attrs());
        attrs.put("wrt", new Attr.Str(wrt));
        List<Value> operands = new ArrayList<>(op.operands());
        operands.add(dout);
        List<Region> regions = new ArrayList<>();
        for (Region r : op.regions()) regions.add(copy(r, r.role(), b));
        op.region("score").ifPresent(r -> regions.add(scoreGrad(r, b)));
        return b.b.op(OpKind.ATTENTION_GRAD, operands, attrs, null, regions);
    }

    /** Adjoints of the tensors the regions read from the graph: see {@link ScoreCaptures}. */
    static Map<Value, Value> capturedAdjoints(Op op, Value dout, Predicate<Value> needs, AdjointBuilder b) {
        return ScoreCaptures.adjoints(op, dout, needs, b);
    }

    /** A copy of a region with fresh argument and result ids (a region is defined once per op). */
    static Region copy(Region r, String role, AdjointBuilder b) {
        return b.region(role, r.args().stream().map(Value::type).toList(), args -> copyBody(r, args, b, new ArrayList<>()));
    }

    /** Appends r's ops to the open scope with its arguments bound to {@code args}; collects them in {@code ops}; returns the yield. */
    private static Value copyBody(Region r, List<Value> args, AdjointBuilder b, List<Op> ops) {
        Map<Integer, Value> map = new HashMap<>();
        for (int i = 0; i < args.size(); i++) map.put(r.args().get(i).id(), args.get(i));
        for (Op o : r.ops()) {
            List<Value> operands = o.operands().stream().map(v -> map.getOrDefault(v.id(), v)).toList();
            Value result = b.b.fresh(o.type());
            Op copy = new Op(result, o.kind(), operands, o.attrs(), o.regions());
            b.b.append(copy);
            ops.add(copy);
            map.put(o.result().id(), result);
        }
        return map.getOrDefault(r.yield().id(), r.yield());
    }

    /** (b, h, q, k, s) -> d score(b, h, q, k, s) / d s, by reverse mode over the score region's scalar program. */
    static Region scoreGrad(Region score, AdjointBuilder b) {
        List<TensorType> types = score.args().stream().map(Value::type).toList();
        return b.region("score_grad", types, args -> {
            List<Op> ops = new ArrayList<>();
            Value y = copyBody(score, args, b, ops);
            Value s = args.get(4);
            if (y.equals(s)) return b.scalar(1.0, s);
            Value grad = Adjoints.backward(ops, y, b.scalar(1.0, y), Set.of(s), b).get(s.id());
            return grad != null ? grad : b.scalar(0.0, s);
        });
    }
}
