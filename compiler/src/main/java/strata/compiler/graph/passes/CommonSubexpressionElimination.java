package strata.compiler.graph.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphPrinter;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.Value;

/**
 * Merges ops that compute the same thing: equal kind, result type, attributes, operands (after
 * earlier merges) and regions, where regions are compared structurally (their own values by
 * position, captured outer values by identity). The first op stays; later ones are replaced by it.
 * Regions are processed with a scoped table: they may reuse an equal op from outside, never the
 * reverse. {@code random} ops are never merged: two draws are two tensors, even with one seed.
 * Sources with different names differ by their {@code name} attribute, so they never merge.
 */
public final class CommonSubexpressionElimination implements Pass {
    @Override public String name() { return "cse"; }

    @Override public Graph run(Graph g) {
        Substitution merged = new Substitution();
        List<Op> ops = block(g.ops(), merged, new HashMap<>());
        return new Graph(g.name(), g.symbols(), ops, merged.apply(g.outputs()));
    }

    private static List<Op> block(List<Op> ops, Substitution merged, Map<String, Value> seen) {
        List<Op> out = new ArrayList<>();
        for (Op old : ops) {
            List<Region> regions = new ArrayList<>();
            for (Region r : old.regions()) {
                List<Op> body = block(r.ops(), merged, new HashMap<>(seen));
                regions.add(new Region(r.role(), r.args(), body, merged.apply(r.yield())));
            }
            Op op = new Op(old.result(), old.kind(), merged.apply(old.operands()), old.attrs(), regions);
            if (op.kind() == OpKind.RANDOM) {
                out.add(op);
                continue;
            }
            String key = key(op, v -> "%" + v.id());
            Value earlier = seen.get(key);
            if (earlier != null) merged.replace(op.result(), earlier);
            else {
                seen.put(key, op.result());
                out.add(op);
            }
        }
        return out;
    }

    /** Everything that determines an op's value, with operands named by {@code name}. */
    private static String key(Op op, Function<Value, String> name) {
        StringBuilder sb = new StringBuilder(op.kind().mnemonic()).append(' ').append(op.type());
        sb.append(' ').append(GraphPrinter.attrs(op.attrs())).append(" (");
        for (Value v : op.operands()) sb.append(name.apply(v)).append(' ');
        sb.append(')');
        for (Region r : op.regions()) sb.append(' ').append(regionKey(r, name));
        return sb.toString();
    }

    /** A region's structure: its own values numbered by position, captured values by {@code outer}. */
    private static String regionKey(Region r, Function<Value, String> outer) {
        Map<Integer, String> local = new HashMap<>();
        Function<Value, String> name = v -> local.getOrDefault(v.id(), outer.apply(v));
        StringBuilder sb = new StringBuilder(r.role()).append('(');
        for (Value a : r.args()) {
            local.put(a.id(), "$" + local.size());
            sb.append(a.type()).append(' ');
        }
        sb.append("){");
        for (Op o : r.ops()) {
            sb.append(key(o, name)).append("; ");
            local.put(o.result().id(), "$" + local.size());
        }
        return sb.append("yield ").append(name.apply(r.yield())).append('}').toString();
    }
}
