package strata.compiler.autodiff;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;

/**
 * The few constructions the gradient rules share, over a {@link GraphBuilder}: scalar constants,
 * arithmetic that broadcasts a scalar against a tensor, and the sums that undo broadcasting.
 */
final class AdjointBuilder {
    final GraphBuilder b;

    AdjointBuilder(GraphBuilder b) {
        this.b = b;
    }

    Value op(OpKind k, Value... xs) { return b.op(k, xs); }

    Value op(OpKind k, List<Value> xs, Map<String, Attr> attrs) { return b.op(k, xs, attrs); }

    Value declared(OpKind k, Value x, TensorType t) { return b.op(k, List.of(x), Map.of(), t, List.of()); }

    /** A rank-0 constant, which broadcasts against anything. */
    Value scalar(double v, DType t) { return b.constant(v, TensorType.scalar(t)); }

    /** A rank-0 constant of {@code like}'s element type. */
    Value scalar(double v, Value like) { return scalar(v, like.type().dtype()); }

    Value zeros(TensorType t) { return b.constant(0.0, t); }

    Value add(Value x, Value y) { return op(OpKind.ADD, x, y); }

    Value sub(Value x, Value y) { return op(OpKind.SUB, x, y); }

    Value mul(Value x, Value y) { return op(OpKind.MUL, x, y); }

    Value div(Value x, Value y) { return op(OpKind.DIV, x, y); }

    Value neg(Value x) { return op(OpKind.NEG, x); }

    Value scale(Value x, double c) { return mul(x, scalar(c, x)); }

    Value select(Value c, Value x, Value y) { return op(OpKind.SELECT, c, x, y); }

    /** {@code x} where {@code c}, else 0. */
    Value where(Value c, Value x) { return select(c, x, scalar(0.0, x)); }

    Value reshape(Value x, TensorType t) { return x.type().equals(t) ? x : declared(OpKind.RESHAPE, x, t); }

    Value broadcastTo(Value x, TensorType t) { return x.type().equals(t) ? x : declared(OpKind.BROADCAST, x, t); }

    /** Sum over the given axes, kept as extent 1. */
    Value sumKeep(Value x, List<Long> axes) {
        if (axes.isEmpty()) return x;
        return op(OpKind.SUM, List.of(x), Map.of("axes", new Attr.Ints(axes), "keepdims", new Attr.Bool(true)));
    }

    Value sumLast(Value x) { return sumKeep(x, List.of((long) x.type().rank() - 1)); }

    /** The extent of {@code d} as a rank-0 float: a constant, or for a symbolic dim, a sum of ones. */
    Value extent(Dim d, DType t) {
        if (d.isConstant()) return scalar(d.value(), t);
        Value ones = b.constant(1.0, new TensorType(t, List.of(d)));
        return op(OpKind.SUM, List.of(ones), Map.of("axes", new Attr.Ints(List.of(0L))));
    }

    /** The mean over the last axis, kept as extent 1. */
    Value meanLast(Value x) { return div(sumLast(x), extent(x.type().dim(-1), x.type().dtype())); }

    /**
     * Undoes numpy broadcasting: {@code adj} has the broadcast shape; sums it over the leading axes
     * {@code target} lacks and over the axes where {@code target} has extent 1, then reshapes.
     */
    Value sumTo(Value adj, TensorType target) {
        List<Dim> s = adj.type().shape();
        if (s.equals(target.shape())) return adj;
        int lead = s.size() - target.rank();
        List<Long> axes = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            boolean stretched = i < lead || (isOne(target.dim(i - lead)) && !isOne(s.get(i)));
            if (stretched) axes.add((long) i);
        }
        return reshape(sumKeep(adj, axes), target.withDtype(adj.type().dtype()));
    }

    Region region(String role, List<TensorType> args, java.util.function.Function<List<Value>, Value> body) {
        return b.region(role, args, body);
    }

    static boolean isOne(Dim d) { return d.isConstant() && d.value() == 1; }
}
