package strata.compiler.autodiff;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import strata.compiler.graph.Op;
import strata.compiler.graph.Region;
import strata.compiler.graph.Value;

/**
 * One reverse sweep over a block of ops (a graph's, or a region's): the adjoint of every value on
 * a path from one of {@code wrt} to {@code output}, accumulated over its uses. Only such values get
 * adjoints (dead-gradient elimination): an op that no trainable value reaches, or whose result
 * does not reach the output, emits nothing. A value of a non-float type is never on a path: it
 * carries no derivative (comparisons, argmax, integer index arithmetic).
 */
final class Adjoints {
    private Adjoints() {}

    /**
     * @param ops    the block, in definition order
     * @param output the value differentiated
     * @param seed   its adjoint (1 for a scalar loss)
     * @param wrt    the values to differentiate with respect to (parameters, a region argument)
     * @return the adjoint of each value of {@code wrt} that reaches {@code output}, by value id
     */
    static Map<Integer, Value> backward(List<Op> ops, Value output, Value seed, Set<Value> wrt, AdjointBuilder b) {
        Set<Integer> onPath = onPath(ops, output, wrt);
        Map<Integer, List<Value>> contributions = new HashMap<>();
        contributions.computeIfAbsent(output.id(), k -> new ArrayList<>()).add(seed);
        for (Op op : ops.reversed()) {
            if (!onPath.contains(op.result().id())) continue;
            Value dy = total(contributions.get(op.result().id()), b);
            if (dy == null) continue;
            List<Value> d = GradientRules.adjoints(op, dy, v -> onPath.contains(v.id()), b);
            for (int i = 0; i < op.operands().size(); i++) {
                Value x = op.operands().get(i);
                if (d.get(i) != null && onPath.contains(x.id()))
                    contributions.computeIfAbsent(x.id(), k -> new ArrayList<>()).add(d.get(i));
            }
            for (var e : GradientRules.capturedAdjoints(op, dy, v -> onPath.contains(v.id()), b).entrySet())
                contributions.computeIfAbsent(e.getKey().id(), k -> new ArrayList<>()).add(e.getValue());
        }
        Map<Integer, Value> out = new HashMap<>();
        for (Value w : wrt) {
            Value total = total(contributions.get(w.id()), b);
            if (total != null) out.put(w.id(), total);
        }
        return out;
    }

    /** The ids of values that depend on {@code wrt} and that {@code output} depends on (reads in regions count). */
    static Set<Integer> onPath(List<Op> ops, Value output, Set<Value> wrt) {
        Set<Integer> active = new HashSet<>();
        for (Value w : wrt) if (w.type().dtype().isFloat()) active.add(w.id());
        for (Op op : ops) {
            if (!op.type().dtype().isFloat()) continue;
            boolean a = false;
            for (Value v : op.operands()) a |= active.contains(v.id());
            for (Value v : captures(op)) a |= active.contains(v.id());
            if (a) active.add(op.result().id());
        }
        Set<Integer> needed = new HashSet<>();
        needed.add(output.id());
        for (Op op : ops.reversed()) {
            if (!needed.contains(op.result().id())) continue;
            for (Value v : op.operands()) needed.add(v.id());
            for (Value v : captures(op)) needed.add(v.id());
        }
        active.retainAll(needed);
        return active;
    }

    /** The values an op's regions read from outside them. */
    static List<Value> captures(Op op) {
        if (op.regions().isEmpty()) return List.of();
        Set<Integer> inner = new HashSet<>();
        List<Value> out = new ArrayList<>();
        for (Region r : op.regions()) {
            for (Value a : r.args()) inner.add(a.id());
            for (Op o : r.ops()) inner.add(o.result().id());
        }
        for (Region r : op.regions())
            for (Op o : r.ops())
                for (Value v : o.operands()) if (!inner.contains(v.id()) && !out.contains(v)) out.add(v);
        return out;
    }

    /** The sum of a value's adjoint contributions, or null when it has none. */
    private static Value total(List<Value> parts, AdjointBuilder b) {
        if (parts == null || parts.isEmpty()) return null;
        Value sum = parts.getFirst();
        for (Value p : parts.subList(1, parts.size())) sum = b.add(sum, p);
        return sum;
    }
}
