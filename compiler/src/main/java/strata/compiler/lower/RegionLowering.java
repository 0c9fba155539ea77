package strata.compiler.lower;

import static strata.compiler.lower.Nest.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.Kernel;

/**
 * Translates a scalar region (attention's mask or score) into one kernel expression, inline. A
 * value of the region is held as a function from an index to the expression of that element, so
 * that a captured tensor ({@code prefix[b]}, a bias table row {@code table[bucket]}) is only ever
 * read at the element the region finally uses: {@code gather(gather(table, i), h)} becomes the
 * load {@code table[clamp(i), clamp(h)]}. Captured graph values are kernel input buffers; const
 * and iota are computed inline. Gather indices are clamped to their table, as in
 * {@link MovementLowering}.
 */
final class RegionLowering {
    /** A tensor value of the region: the expression of its element at an index (one i64 per axis). */
    private interface Lazy {
        KExpr at(List<KExpr> index);
    }

    private final Map<Value, Op> producers;
    private final Map<Value, Kernel.Buffer> inputs;
    private final Map<Value, Lazy> values = new HashMap<>();

    private RegionLowering(Map<Value, Op> producers, Map<Value, Kernel.Buffer> inputs) {
        this.producers = producers;
        this.inputs = inputs;
    }

    /**
     * The expression the region yields with its arguments bound to {@code args} (scalars); the
     * graph values it reads are added to {@code inputs} as buffers.
     */
    static KExpr inline(Region region, List<KExpr> args, Map<Value, Op> producers, LinkedHashMap<Value, Kernel.Buffer> inputs) {
        RegionLowering r = new RegionLowering(producers, inputs);
        for (int i = 0; i < args.size(); i++) {
            KExpr a = args.get(i);
            r.values.put(region.args().get(i), ix -> a);
        }
        for (Op op : region.ops()) {
            Lazy l = r.lower(op);
            if (op.type().rank() == 0) {
                KExpr e = l.at(List.of()); // a scalar is one expression, built once however often it is read
                l = ix -> e;
            }
            r.values.put(op.result(), l);
        }
        return r.value(region.yield()).at(List.of());
    }

    private Lazy value(Value v) {
        Lazy known = values.get(v);
        if (known != null) return known;
        Op p = producers.get(v);
        Lazy l;
        if (p != null && (p.kind() == OpKind.CONST || p.kind() == OpKind.IOTA)) l = lower(p);
        else {
            Kernel.Buffer b = inputs.computeIfAbsent(v, x -> in(KernelLowering.bufferName(x), x.type().dtype(), x.type().shape()));
            l = ix -> load(b, ix);
        }
        values.put(v, l);
        return l;
    }

    private Lazy lower(Op op) {
        TensorType t = op.type();
        switch (op.kind()) {
            case CONST -> {
                double v = op.attrs().get("value") instanceof Attr.Bool b ? (b.value() ? 1 : 0) : op.floatAttr("value", 0);
                KExpr c = f(v, t.dtype());
                return ix -> c;
            }
            case IOTA -> {
                long a = op.intAttr("axis", 0);
                int axis = (int) (a < 0 ? a + t.rank() : a);
                return ix -> t.dtype() == DType.I64 ? ix.get(axis) : new KExpr.Cast(ix.get(axis), t.dtype());
            }
            case GATHER -> {
                Lazy table = value(op.operands().get(0)), indices = value(op.operands().get(1));
                TensorType tt = op.operands().get(0).type();
                int ir = op.operands().get(1).type().rank();
                long a = op.intAttr("axis");
                int axis = (int) (a < 0 ? a + tt.rank() : a);
                KExpr n = dim(tt.dim(axis));
                return ix -> {
                    KExpr i = clamp(new KExpr.Cast(indices.at(ix.subList(axis, axis + ir)), DType.I64), n);
                    List<KExpr> at = new ArrayList<>(ix.subList(0, axis));
                    at.add(i);
                    at.addAll(ix.subList(axis + ir, ix.size()));
                    return table.at(at);
                };
            }
            default -> {
                if (!ElementwiseFusion.isPointwise(op))
                    throw new UnsupportedOperationException("the CPU backend cannot inline `" + op.kind().mnemonic()
                            + "` in an attention region (only pointwise ops, const, iota and gather)");
                List<Lazy> args = new ArrayList<>();
                for (Value v : op.operands()) args.add(broadcastRead(value(v), v.type(), t));
                return ix -> {
                    List<KExpr> xs = new ArrayList<>();
                    for (Lazy l : args) xs.add(l.at(ix));
                    return KernelLowering.scalar(op, xs);
                };
            }
        }
    }

    /** An operand read at the result's index with numpy broadcasting: aligned right, an extent of 1 read at 0. */
    private static Lazy broadcastRead(Lazy x, TensorType xt, TensorType out) {
        int shift = out.rank() - xt.rank();
        return ix -> {
            List<KExpr> at = new ArrayList<>();
            for (int a = 0; a < xt.rank(); a++) {
                Dim d = xt.dim(a), od = out.dim(shift + a);
                boolean one = d.isConstant() && d.value() == 1 && !(od.isConstant() && od.value() == 1);
                at.add(one ? i64(0) : ix.get(shift + a));
            }
            return x.at(at);
        };
    }
}
