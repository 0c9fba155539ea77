package strata.compiler.autodiff;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.GraphPrinter;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.ShapeRules;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;

/**
 * Adjoints of the tensors an attention's score region reads from the graph (T5's relative-bias
 * table, learned ALiBi slopes). With u[b, h, q, k] = score(b, h, q, k, s) the region's outputs,
 * d L / d c = sum over (b, h, q, k) of dL/du * du/dc; {@code attention_grad {wrt = "score"}} gives
 * dL/du (zero where the mask hides a key), and du/dc comes from the region lifted to graph ops:
 * its index arguments become iotas over the grid [B, H, Tq, Tk] (each of extent 1 on the other
 * axes, so index arithmetic stays as small as it can be), its scalar ops become elementwise ops
 * that broadcast over that grid, and a chain of scalar gathers from a captured table
 * ({@code table[bucket, h]}) becomes one gather from the flattened table at the flat index
 * sum(index_i * stride_i). The ordinary reverse sweep over those ops, seeded with dL/du, then
 * yields each captured tensor's adjoint (a gather's is a scatter_add).
 *
 * <p>This materializes B x H x Tq x Tk values (dL/du, and the score s when the derivative reads
 * it) on the captured-gradient path only; T5 computes its bias per (h, q, k) anyway.
 */
final class ScoreCaptures {
    private ScoreCaptures() {}

    /** A partial read {@code table[i0, i1, ...]} not yet down to a scalar: the index of each leading axis so far. */
    private record Pending(Value table, List<Value> indices) {}

    /**
     * @return the adjoint of each capture of {@code op}'s regions that {@code needs} accepts
     * @throws UnsupportedOperationException when the mask reads such a capture, or the score
     *         region does something that has no lifted form
     */
    static Map<Value, Value> adjoints(Op op, Value dout, Predicate<Value> needs, AdjointBuilder b) {
        for (Region r : op.regions())
            if (!r.role().equals("score"))
                for (Value c : captures(r))
                    if (needs.test(c))
                        throw refusal(op, c, "its " + r.role() + " region reads it; a " + r.role()
                                + " is boolean and carries no gradient: freeze that parameter, or read it in the score region");
        Region score = op.region("score").orElse(null);
        if (score == null) return Map.of();
        List<Value> wanted = captures(score).stream().filter(needs).toList();
        if (wanted.isEmpty()) return Map.of();
        Value du = AttentionRules.grad(op, dout, "score", b);
        ScoreCaptures.Lift lift = new Lift(op, b);
        Value u = lift.region(score);
        Value seed = b.sumTo(du, u.type());
        Map<Integer, Value> adj = Adjoints.backward(lift.ops, u, seed, new HashSet<>(wanted), b);
        Map<Value, Value> out = new HashMap<>();
        for (Value c : wanted) {
            Value a = adj.get(c.id());
            if (a != null) out.put(c, b.reshape(a, c.type()));
        }
        return out;
    }

    /** The values a region reads from outside it. */
    static List<Value> captures(Region r) {
        Set<Integer> inner = new HashSet<>();
        for (Value a : r.args()) inner.add(a.id());
        for (Op o : r.ops()) inner.add(o.result().id());
        List<Value> out = new ArrayList<>();
        for (Op o : r.ops())
            for (Value v : o.operands()) if (!inner.contains(v.id()) && !out.contains(v)) out.add(v);
        return out;
    }

    private static UnsupportedOperationException refusal(Op op, Value c, String why) {
        return new UnsupportedOperationException("autodiff: `" + GraphPrinter.opLine(op) + "`: %" + c.id() + " (" + c.type()
                + ") depends on a trainable parameter, but " + why);
    }

    /** The score region rewritten as graph ops over the (b, h, q, k) grid; {@link #ops} records them for the reverse sweep. */
    private static final class Lift {
        final List<Op> ops = new ArrayList<>();
        private final Op attention;
        private final AdjointBuilder b;
        private final Map<Integer, Value> lifted = new HashMap<>();
        private final Map<Integer, Pending> pending = new HashMap<>();
        private final List<Dim> grid;

        Lift(Op attention, AdjointBuilder b) {
            this.attention = attention;
            this.b = b;
            TensorType q = attention.operands().get(0).type(), k = attention.operands().get(1).type();
            this.grid = List.of(q.dim(0), q.dim(1), q.dim(2), k.dim(2));
        }

        Value region(Region r) {
            for (int axis = 0; axis < 4; axis++) lifted.put(r.args().get(axis).id(), iota(axis));
            Value s = r.args().get(4);
            for (Op o : r.ops()) {
                if (o.kind() == OpKind.GATHER) {
                    gather(o, r);
                    continue;
                }
                List<Value> in = new ArrayList<>();
                for (Value v : o.operands()) {
                    if (pending.containsKey(v.id())) throw unsupported(o, "it uses a partial read of a table as a value");
                    if (v.equals(s) && !lifted.containsKey(s.id())) lifted.put(s.id(), score());
                    in.add(lifted.getOrDefault(v.id(), v));
                }
                if (!o.kind().isElementwise() && o.kind() != OpKind.CONST)
                    throw unsupported(o, "only elementwise ops and reads of captured tensors have a lifted form");
                lifted.put(o.result().id(), emit(o.kind(), in, o.attrs(), declared(o, in)));
            }
            Value y = r.yield();
            if (y.equals(s) && !lifted.containsKey(s.id())) lifted.put(s.id(), score());
            return lifted.getOrDefault(y.id(), y);
        }

        /** {@code table[i]} along one axis: a capture or an earlier partial read, indexed by a scalar. */
        private void gather(Op o, Region r) {
            Value table = o.operands().get(0), index = o.operands().get(1);
            if (lifted.containsKey(table.id()) || index.type().rank() != 0 || pending.containsKey(index.id()))
                throw unsupported(o, "a region may only read a captured tensor at scalar indices");
            Pending p = pending.getOrDefault(table.id(), new Pending(table, List.of()));
            int axis = (int) o.intAttr("axis", 0);
            if (axis != 0) throw unsupported(o, "a read that skips a leading axis has no lifted form");
            List<Value> indices = new ArrayList<>(p.indices());
            indices.add(lifted.getOrDefault(index.id(), index));
            if (indices.size() < p.table().type().rank()) {
                pending.put(o.result().id(), new Pending(p.table(), indices));
                return;
            }
            lifted.put(o.result().id(), flatGather(p.table(), indices));
        }

        /** table[i0, ..., in-1] at every grid point: one gather from the flattened table at sum(i_j * stride_j) (row-major). */
        private Value flatGather(Value table, List<Value> indices) {
            TensorType t = table.type();
            Value flat = null;
            Value stride = null;
            for (int j = t.rank() - 1; j >= 0; j--) {
                Value i = indices.get(j);
                if (i.type().dtype() != DType.I64) i = emit(OpKind.CAST, List.of(i), Map.of(), i.type().withDtype(DType.I64));
                Value term = stride == null ? i : emit(OpKind.MUL, List.of(i, stride), Map.of(), null);
                flat = flat == null ? term : emit(OpKind.ADD, List.of(flat, term), Map.of(), null);
                Value extent = extent(t.dim(j));
                stride = stride == null ? extent : emit(OpKind.MUL, List.of(stride, extent), Map.of(), null);
            }
            Value rows = emit(OpKind.RESHAPE, List.of(table), Map.of(), t.withShape(List.of(t.numel())));
            return emit(OpKind.GATHER, List.of(rows, flat), Map.of("axis", new Attr.Int(0)), null);
        }

        /** An axis's extent as an i64 scalar (a sum of ones when symbolic). */
        private Value extent(Dim d) {
            if (d.isConstant()) return b.scalar(d.value(), DType.I64);
            return b.extent(d, DType.I64);
        }

        /** The index along one grid axis, of extent 1 on the others. */
        private Value iota(int axis) {
            List<Dim> shape = new ArrayList<>(Collections.nCopies(4, Dim.of(1)));
            shape.set(axis, grid.get(axis));
            return b.b.op(OpKind.IOTA, List.of(), Map.of("axis", new Attr.Int(axis)), new TensorType(DType.I64, shape), List.of());
        }

        /**
         * The region's s: scale * q . k per grid point, query head h reading key head h / (H / Hkv)
         * (the interpreter's grouping), with k's heads repeated to H. Only built when the region
         * reads s; dead code elimination drops it when the derivative does not need it.
         */
        private Value score() {
            Value q = attention.operands().get(0), k = attention.operands().get(1);
            TensorType qt = q.type(), kt = k.type();
            if (!qt.dim(1).equals(kt.dim(1))) {
                Dim heads = qt.dim(1), kvHeads = kt.dim(1);
                Dim group = heads.divExact(kvHeads).orElseThrow(() -> unsupported(attention,
                        "its score region reads s and " + heads + " query heads are not a known multiple of " + kvHeads + " key heads"));
                List<Dim> one = new ArrayList<>(kt.shape());
                one.add(2, Dim.of(1));
                List<Dim> wide = new ArrayList<>(one);
                wide.set(2, group);
                Value k5 = b.broadcastTo(b.reshape(k, kt.withShape(one)), kt.withShape(wide));
                k = b.reshape(k5, kt.withShape(List.of(kt.dim(0), heads, kt.dim(2), kt.dim(3))));
            }
            Value dots = b.op(OpKind.MATMUL, List.of(q, k), Map.of("transpose_b", new Attr.Bool(true)));
            double scale = attention.floatAttr("scale", Double.NaN);
            if (!Double.isNaN(scale)) return b.scale(dots, scale);
            // the default scale, 1 / sqrt(D) (Vaswani et al., 2017, eq. 1)
            return b.mul(dots, b.op(OpKind.RSQRT, b.extent(qt.dim(3), qt.dtype())));
        }

        /** The declared result type of a lifted op: its region type widened to the broadcast of its operands. */
        private static TensorType declared(Op o, List<Value> in) {
            if (!o.kind().declaresType()) return null;
            List<Dim> shape = List.of();
            for (Value v : in) if (v.type().rank() > shape.size()) shape = v.type().shape();
            return o.type().withShape(shape);
        }

        private Value emit(OpKind kind, List<Value> operands, Map<String, Attr> attrs, TensorType declared) {
            List<TensorType> types = operands.stream().map(Value::type).toList();
            Value result = b.b.fresh(ShapeRules.infer(kind, types, attrs, declared));
            Op op = new Op(result, kind, operands, attrs, List.of());
            b.b.append(op);
            ops.add(op);
            return result;
        }

        private UnsupportedOperationException unsupported(Op o, String why) {
            return new UnsupportedOperationException("autodiff: `" + GraphPrinter.opLine(attention) + "`: gradients through the tensors its "
                    + "score region reads: `" + GraphPrinter.opLine(o) + "`: " + why + "; freeze those parameters");
        }
    }
}
