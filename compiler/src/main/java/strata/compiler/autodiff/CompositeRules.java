package strata.compiler.autodiff;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import strata.compiler.graph.Attr;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;

/**
 * Gradient rules of the composites softmax, layer_norm, rms_norm, gelu, cross_entropy and dropout,
 * composed of graph ops (fusion later recognises the reductions and pointwise chains they make).
 */
final class CompositeRules {
    private CompositeRules() {}

    static void adjoints(Op op, Value dy, Predicate<Value> needs, AdjointBuilder b, Value[] d) {
        Value x = op.operands().getFirst(), y = op.result();
        switch (op.kind()) {
            case SOFTMAX -> {
                // dx = y (dy - sum(dy y)) along the axis
                long axis = op.intAttr("axis");
                Value dot = b.sumKeep(b.mul(dy, y), List.of(axis < 0 ? axis + x.type().rank() : axis));
                d[0] = b.mul(y, b.sub(dy, dot));
            }
            case LAYER_NORM, RMS_NORM -> norm(op, dy, needs, b, d);
            case GELU -> d[0] = b.mul(dy, geluDerivative(x, op.strAttr("approximate", "erf"), b));
            case CROSS_ENTROPY -> d[0] = crossEntropy(op, dy, b);
            // the same mask, drawn from the same (op seed, step seed, index), scaled the same: the
            // adjoint of x -> m x / (1 - p) is dy -> m dy / (1 - p)
            case DROPOUT -> d[0] = b.op(OpKind.DROPOUT, List.of(dy), op.attrs());
            default -> throw new IllegalStateException(op.kind() + " has no composite rule");
        }
    }

    /**
     * With xhat the normalized x, inv = 1/sqrt(var + eps) and g = dy * gamma (or dy):
     * layer_norm dx = inv (g - mean(g) - xhat mean(g xhat)); rms_norm dx = inv (g - xhat mean(g xhat))
     * (Ba et al., 2016; Zhang and Sennrich, 2019, differentiated through the row statistics).
     * dgamma = sum over rows of dy xhat; dbeta = sum over rows of dy.
     */
    private static void norm(Op op, Value dy, Predicate<Value> needs, AdjointBuilder b, Value[] d) {
        Value x = op.operands().getFirst();
        boolean centered = op.kind() == OpKind.LAYER_NORM;
        double eps = op.floatAttr("eps", 1e-5);
        Value xhat = b.op(op.kind(), List.of(x), Map.of("eps", new Attr.Float(eps)));
        List<Long> rows = new ArrayList<>();
        for (long i = 0; i < x.type().rank() - 1; i++) rows.add(i);
        TensorType vec = new TensorType(dy.type().dtype(), List.of(x.type().dim(-1)));
        if (op.operands().size() > 1 && needs.test(op.operands().get(1)))
            d[1] = b.reshape(b.sumKeep(b.mul(dy, xhat), rows), vec);
        if (op.operands().size() > 2 && needs.test(op.operands().get(2)))
            d[2] = b.reshape(b.sumKeep(dy, rows), vec);
        if (!needs.test(x)) return;
        Value g = op.operands().size() > 1 ? b.mul(dy, op.operands().get(1)) : dy;
        Value centeredX = centered ? b.sub(x, b.meanLast(x)) : x;
        Value inv = b.op(OpKind.RSQRT, b.add(b.meanLast(b.mul(centeredX, centeredX)), b.scalar(eps, x)));
        Value inner = b.sub(g, b.mul(xhat, b.meanLast(b.mul(g, xhat))));
        if (centered) inner = b.sub(inner, b.meanLast(g));
        d[0] = b.mul(inv, inner);
    }

    /**
     * GELU's derivative (Hendrycks and Gimpel, 2016): for x Phi(x), Phi(x) + x phi(x); for the
     * tanh form 0.5 x (1 + t) with t = tanh(u), u = c (x + 0.044715 x^3), c = sqrt(2/pi):
     * 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 * 0.044715 x^2).
     */
    private static Value geluDerivative(Value x, String approximate, AdjointBuilder b) {
        Value half = b.scalar(0.5, x), one = b.scalar(1.0, x);
        return switch (approximate) {
            case "erf", "none" -> {
                Value cdf = b.mul(half, b.add(one, b.op(OpKind.ERF, b.scale(x, 1 / Math.sqrt(2)))));
                Value pdf = b.scale(b.op(OpKind.EXP, b.scale(b.mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
                yield b.add(cdf, b.mul(x, pdf));
            }
            case "tanh" -> {
                double c = Math.sqrt(2 / Math.PI), k = 0.044715;
                Value x2 = b.mul(x, x);
                Value t = b.op(OpKind.TANH, b.scale(b.add(x, b.scale(b.mul(x2, x), k)), c));
                Value du = b.scale(b.add(one, b.scale(x2, 3 * k)), c);
                yield b.add(b.mul(half, b.add(one, t)), b.mul(b.mul(half, x), b.mul(b.sub(one, b.mul(t, t)), du)));
            }
            default -> throw new IllegalArgumentException("gelu: unknown approximation `" + approximate + "` (expected erf or tanh)");
        };
    }

    /**
     * loss = logsumexp(z) - z[t], so dz = dy (softmax(z) - onehot(t)); a position whose target is the
     * ignore_index has loss 0 and contributes nothing.
     */
    private static Value crossEntropy(Op op, Value dy, AdjointBuilder b) {
        Value z = op.operands().get(0), t = op.operands().get(1);
        int rank = z.type().rank();
        Value p = b.op(OpKind.SOFTMAX, List.of(z), Map.of("axis", new Attr.Int(rank - 1)));
        List<Dim> kept = new ArrayList<>(t.type().shape());
        kept.add(Dim.of(1));
        Value tk = b.reshape(t, new TensorType(t.type().dtype(), kept));
        TensorType classes = new TensorType(t.type().dtype(), z.type().shape());
        Value iota = b.b.op(OpKind.IOTA, List.of(), Map.of("axis", new Attr.Int(rank - 1)), classes, List.of());
        Value onehot = b.where(b.op(OpKind.EQ, iota, tk), b.scalar(1.0, z));
        Value g = b.reshape(dy, new TensorType(dy.type().dtype(), kept));
        if (op.attrs().containsKey("ignore_index")) {
            Value ignore = b.scalar(op.intAttr("ignore_index"), t.type().dtype());
            g = b.where(b.op(OpKind.NE, tk, ignore), g);
        }
        return b.mul(g, b.sub(p, onehot));
    }

}
