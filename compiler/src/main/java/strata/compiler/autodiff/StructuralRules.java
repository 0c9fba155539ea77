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
 * Gradient rules of reductions, movement and matmul: each is the transpose of a linear map (sum
 * and broadcast, slice and pad, concat and slices, gather and scatter_add), except reduce_max,
 * which routes the adjoint to the maxima, split evenly among ties, and argmax, which has none.
 */
final class StructuralRules {
    private StructuralRules() {}

    static void adjoints(Op op, Value dy, Predicate<Value> needs, AdjointBuilder b, Value[] d) {
        Value x = op.operands().getFirst();
        switch (op.kind()) {
            case SUM -> d[0] = b.broadcastTo(keptDims(op, dy, b), x.type().withDtype(dy.type().dtype()));
            case REDUCE_MAX -> {
                Value y = keptDims(op, op.result(), b), g = keptDims(op, dy, b);
                List<Long> axes = axes(op);
                Value hit = b.where(b.op(OpKind.EQ, x, y), b.scalar(1.0, x));
                Value ties = b.sumKeep(hit, axes);
                d[0] = b.mul(hit, b.div(g, ties));
            }
            case ARGMAX -> { }
            case RESHAPE -> d[0] = b.reshape(dy, x.type());
            case PERMUTE -> {
                List<Long> perm = op.intsAttr("perm");
                Long[] inverse = new Long[perm.size()];
                for (int i = 0; i < perm.size(); i++) inverse[(int) axis(perm.get(i), perm.size())] = (long) i;
                d[0] = b.op(OpKind.PERMUTE, List.of(dy), Map.of("perm", new Attr.Ints(List.of(inverse))));
            }
            case BROADCAST -> d[0] = b.sumTo(dy, x.type());
            case SLICE -> d[0] = unslice(op, dy, b);
            case CONCAT -> {
                long axis = axis(op.intAttr("axis"), x.type().rank());
                Dim offset = Dim.of(0);
                for (int i = 0; i < op.operands().size(); i++) {
                    Value part = op.operands().get(i);
                    Dim end = offset.plus(part.type().dim((int) axis));
                    if (needs.test(part)) d[i] = slice(dy, axis, offset, end, b);
                    offset = end;
                }
            }
            case PAD -> {
                long axis = axis(op.intAttr("axis"), x.type().rank());
                Dim before = Dim.of(op.intAttr("before"));
                d[0] = slice(dy, axis, before, before.plus(x.type().dim((int) axis)), b);
            }
            case GATHER -> d[0] = b.op(OpKind.SCATTER_ADD, List.of(b.zeros(x.type()), op.operands().get(1), dy),
                    Map.of("axis", op.attrs().get("axis")));
            case SCATTER_ADD -> {
                if (needs.test(x)) d[0] = dy;
                Value u = op.operands().get(2);
                if (needs.test(u)) d[2] = b.op(OpKind.GATHER, List.of(dy, op.operands().get(1)), Map.of("axis", op.attrs().get("axis")));
            }
            case MATMUL -> matmul(op, dy, needs, b, d);
            default -> throw new IllegalStateException(op.kind() + " has no structural rule");
        }
    }

    /** The reduced value with its reduced axes restored as extent 1 (a no-op under keepdims). */
    private static Value keptDims(Op op, Value v, AdjointBuilder b) {
        if (op.boolAttr("keepdims", false)) return v;
        TensorType in = op.operands().getFirst().type();
        List<Dim> s = new ArrayList<>(in.shape());
        for (long a : axes(op)) s.set((int) a, Dim.of(1));
        return b.reshape(v, new TensorType(v.type().dtype(), s));
    }

    /** The reduced axes, made non-negative. */
    private static List<Long> axes(Op op) {
        int rank = op.operands().getFirst().type().rank();
        List<Long> out = new ArrayList<>();
        if (op.attrs().containsKey("axes")) for (long a : op.intsAttr("axes")) out.add(axis(a, rank));
        return out;
    }

    private static long axis(long a, int rank) { return a < 0 ? a + rank : a; }

    private static Value slice(Value x, long axis, Dim start, Dim end, AdjointBuilder b) {
        return b.op(OpKind.SLICE, List.of(x), Map.of("axis", new Attr.Int(axis), "start", dimAttr(start), "end", dimAttr(end), "step", new Attr.Int(1)));
    }

    private static Attr dimAttr(Dim d) { return d.isConstant() ? new Attr.Int(d.value()) : new Attr.DimAttr(d); }

    /**
     * The transpose of a slice: the adjoint put back at the sliced positions, zeros elsewhere. A
     * unit step concatenates zero blocks around it (their extents may be symbolic); a larger step
     * scatters it to the rows start + i * step, which needs a constant start.
     */
    private static Value unslice(Op op, Value dy, AdjointBuilder b) {
        TensorType in = op.operands().getFirst().type().withDtype(dy.type().dtype());
        int axis = (int) axis(op.intAttr("axis"), in.rank());
        Dim start = op.dimAttr("start"), end = op.dimAttr("end");
        long step = op.intAttr("step", 1);
        if (step == 1) {
            List<Value> parts = new ArrayList<>();
            if (!isZero(start)) parts.add(b.zeros(withDim(in, axis, start)));
            parts.add(dy);
            Dim rest = in.dim(axis).minus(end);
            if (!isZero(rest)) parts.add(b.zeros(withDim(in, axis, rest)));
            return parts.size() == 1 ? dy : b.op(OpKind.CONCAT, parts, Map.of("axis", new Attr.Int(axis)));
        }
        if (!start.isConstant())
            throw new UnsupportedOperationException("autodiff: the gradient of `" + strata.compiler.graph.GraphPrinter.opLine(op)
                    + "` needs a constant start (a strided slice from a symbolic start has no rule yet)");
        Dim n = dy.type().dim(axis);
        TensorType idxType = new TensorType(strata.compiler.graph.DType.I64, List.of(n));
        Value iota = b.b.op(OpKind.IOTA, List.of(), Map.of("axis", new Attr.Int(0)), idxType, List.of());
        Value idx = b.add(b.mul(iota, b.scalar(step, strata.compiler.graph.DType.I64)), b.scalar(start.value(), strata.compiler.graph.DType.I64));
        return b.op(OpKind.SCATTER_ADD, List.of(b.zeros(in), idx, dy), Map.of("axis", new Attr.Int(axis)));
    }

    private static boolean isZero(Dim d) { return d.isConstant() && d.value() == 0; }

    private static TensorType withDim(TensorType t, int axis, Dim d) {
        List<Dim> s = new ArrayList<>(t.shape());
        s.set(axis, d);
        return t.withShape(s);
    }

    /**
     * C = op(A) op(B), op transposing when the flag says: dA = dC op(B)^T (transposed back when A
     * was), dB = op(A)^T dC (likewise); batch axes that broadcast are summed back.
     */
    private static void matmul(Op op, Value dc, Predicate<Value> needs, AdjointBuilder b, Value[] d) {
        Value a = op.operands().get(0), bb = op.operands().get(1);
        boolean ta = op.boolAttr("transpose_a", false), tb = op.boolAttr("transpose_b", false);
        if (needs.test(a)) {
            Value da = ta ? mm(bb, dc, tb, true, b) : mm(dc, bb, false, !tb, b);
            d[0] = b.sumTo(da, a.type());
        }
        if (needs.test(bb)) {
            if (bb.type().rank() == 2 && a.type().rank() > 2 && !ta) {
                d[1] = flatWeightGradient(a, bb, dc, tb, b);
                return;
            }
            Value db = tb ? mm(dc, a, true, ta, b) : mm(a, dc, !ta, false, b);
            d[1] = b.sumTo(db, bb.type());
        }
    }

    /**
     * The gradient of a 2-D weight shared by every batch position (x [.., M, K] @ W): one
     * contraction over all rows, X^T dC with X = x as [rows, K], instead of a batched product per
     * leading index summed afterwards; the same numbers, as one long GEMM.
     */
    private static Value flatWeightGradient(Value a, Value w, Value dc, boolean tb, AdjointBuilder b) {
        Dim rows = Dim.of(1);
        for (int i = 0; i < a.type().rank() - 1; i++) rows = rows.times(a.type().dim(i));
        Value a2 = b.reshape(a, new TensorType(a.type().dtype(), List.of(rows, a.type().dim(-1))));
        Value dc2 = b.reshape(dc, new TensorType(dc.type().dtype(), List.of(rows, dc.type().dim(-1))));
        // W [N, K] used transposed: dW = dC^T X; W [K, N]: dW = X^T dC
        Value dw = tb ? mm(dc2, a2, true, false, b) : mm(a2, dc2, true, false, b);
        return b.reshape(dw, w.type().withDtype(dw.type().dtype()));
    }

    private static Value mm(Value x, Value y, boolean tx, boolean ty, AdjointBuilder b) {
        return b.op(OpKind.MATMUL, List.of(x, y), Map.of("transpose_a", new Attr.Bool(tx), "transpose_b", new Attr.Bool(ty)));
    }
}
