package strata.compiler.graph.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.Op;
import strata.compiler.graph.Region;
import strata.compiler.graph.Value;

/**
 * Replacements of values by other values, applied to every use: operands, reads inside regions,
 * yields and outputs. A pass that removes an op records where its users should look instead.
 * A value may also be replaced by itself with a new type (same id), as shape inference does.
 */
public final class Substitution {
    private final Map<Integer, Value> replacements = new HashMap<>();

    public void replace(Value old, Value with) { replacements.put(old.id(), with); }

    public boolean isEmpty() { return replacements.isEmpty(); }

    /** The value that now stands for {@code v}, following chains of replacements. */
    public Value apply(Value v) {
        for (int hops = 0; hops <= replacements.size(); hops++) {
            Value w = replacements.get(v.id());
            if (w == null || w.equals(v)) return v;
            if (w.id() == v.id()) return w;
            v = w;
        }
        throw new IllegalStateException("cyclic substitution at %" + v.id());
    }

    public List<Value> apply(List<Value> vs) {
        List<Value> out = new ArrayList<>(vs.size());
        for (Value v : vs) out.add(apply(v));
        return out;
    }

    /** The op with its operands, and the uses inside its regions, replaced. */
    public Op apply(Op op) {
        List<Region> regions = new ArrayList<>();
        for (Region r : op.regions()) regions.add(apply(r));
        return new Op(op.result(), op.kind(), apply(op.operands()), op.attrs(), regions);
    }

    public Region apply(Region r) {
        List<Op> ops = new ArrayList<>();
        for (Op o : r.ops()) ops.add(apply(o));
        return new Region(r.role(), r.args(), ops, apply(r.yield()));
    }
}
