package strata.compiler.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the invariants every pass may rely on and must keep: SSA (ids unique, every use after
 * its definition and in scope), each op's type is the one {@link ShapeRules} infers, regions have
 * their role's signature and compute on scalars (reading outer tensors only through capture; a
 * gather may select a row of a captured tensor on the way to a scalar),
 * dims use declared symbols, and the outputs are defined. Returns diagnostics, one string per
 * problem naming the op, rather than stopping at the first.
 */
public final class Verifier {
    private static final TensorType INDEX = TensorType.scalar(DType.I64);

    private final Graph graph;
    private final List<String> diagnostics = new ArrayList<>();
    private final Map<Integer, Value> defined = new HashMap<>();
    private final Deque<Set<Integer>> scopes = new ArrayDeque<>();

    private Verifier(Graph graph) {
        this.graph = graph;
    }

    /** Every problem found in {@code g}; empty when it is well formed. */
    public static List<String> verify(Graph g) {
        Verifier v = new Verifier(g);
        v.run();
        return v.diagnostics;
    }

    private void run() {
        scopes.push(new HashSet<>());
        for (Op op : graph.ops()) op(op, false);
        for (Value out : graph.outputs())
            if (!visible(out)) report("return", "output %" + out.id() + " is not defined");
            else if (!defined.get(out.id()).equals(out)) report("return", "output " + out + " does not match its definition " + defined.get(out.id()));
    }

    private void op(Op op, boolean inRegion) {
        String where = GraphPrinter.opLine(op);
        List<TensorType> in = new ArrayList<>();
        for (Value v : op.operands()) {
            in.add(v.type());
            if (!visible(v)) report(where, "use of undefined value %" + v.id());
            else if (!defined.get(v.id()).equals(v)) report(where, "use of " + v + " whose definition is " + defined.get(v.id()));
            else if (inRegion && v.type().rank() != 0 && scopes.peek().contains(v.id()) && !partialRead(op, v))
                report(where, "a region computes on scalars; %" + v.id() + " is a " + v.type());
        }
        try {
            TensorType t = ShapeRules.infer(op.kind(), in, op.attrs(), op.kind().declaresType() ? op.type() : null);
            if (!t.equals(op.type())) report(where, "result type " + op.type() + " differs from the inferred " + t);
        } catch (ShapeError e) {
            report(where, e.getMessage());
        } catch (RuntimeException e) {
            report(where, "malformed op: " + e);
        }
        if ((op.kind() == OpKind.PARAM || op.kind() == OpKind.INPUT) && !(op.attrs().get("name") instanceof Attr.Str))
            report(where, op.kind().mnemonic() + " needs a string attribute `name`");
        for (Dim d : op.type().shape())
            for (String s : d.symbols())
                if (!graph.symbols().contains(s)) report(where, "dimension symbol `" + s + "` is not declared by the graph");
        if (inRegion && op.type().rank() != 0 && !partialRead(op, null))
            report(where, "a region computes on scalars; this op yields " + op.type());
        regions(op, where);
        define(op.result(), where);
    }

    /**
     * Reading captured data with several scalar indices ({@code seg[b, q]}) gathers one axis at a
     * time, so its steps are not scalars: a region may gather with a scalar index, and use such a
     * partial read only as the table of the next gather.
     */
    private static boolean partialRead(Op op, Value used) {
        return op.kind() == OpKind.GATHER && op.operands().size() == 2 && op.operands().get(1).type().rank() == 0
                && (used == null || op.operands().get(0).equals(used) && !op.operands().get(1).equals(used));
    }

    private void regions(Op op, String where) {
        if (op.regions().isEmpty()) return;
        if (op.kind() != OpKind.ATTENTION && op.kind() != OpKind.ATTENTION_GRAD) {
            report(where, op.kind().mnemonic() + " takes no regions");
            return;
        }
        Set<String> roles = new HashSet<>();
        for (Region r : op.regions()) {
            if (!roles.add(r.role())) report(where, "region `" + r.role() + "` is given twice");
            List<TensorType> args = new ArrayList<>(List.of(INDEX, INDEX, INDEX, INDEX));
            TensorType result;
            switch (r.role()) {
                case "mask" -> result = TensorType.scalar(DType.BOOL);
                case "score", "score_grad" -> {
                    result = r.args().size() == 5 ? r.args().get(4).type() : TensorType.scalar(DType.F32);
                    if (result.rank() != 0 || !result.dtype().isFloat()) report(where, "score's fifth argument must be a float scalar, got " + result);
                    args.add(result);
                }
                default -> {
                    report(where, op.kind().mnemonic() + " has no region role `" + r.role() + "` (expected mask, score"
                            + (op.kind() == OpKind.ATTENTION_GRAD ? " or score_grad)" : " or score)"));
                    continue;
                }
            }
            if (r.role().equals("score_grad") && op.kind() != OpKind.ATTENTION_GRAD) report(where, "only attention_grad takes a score_grad region");
            List<TensorType> got = r.args().stream().map(Value::type).toList();
            if (!got.equals(args)) report(where, r.role() + " takes arguments " + args + ", got " + got);
            region(r, result, where);
        }
    }

    private void region(Region r, TensorType result, String where) {
        scopes.push(new HashSet<>());
        for (Value a : r.args()) define(a, where);
        for (Op o : r.ops()) op(o, true);
        if (!visible(r.yield())) report(where, r.role() + " yields undefined value %" + r.yield().id());
        else if (!r.yield().type().equals(result)) report(where, r.role() + " must yield " + result + ", yields " + r.yield().type());
        scopes.pop();
    }

    private void define(Value v, String where) {
        if (defined.containsKey(v.id())) report(where, "value %" + v.id() + " is defined twice");
        defined.put(v.id(), v);
        scopes.peek().add(v.id());
    }

    private boolean visible(Value v) {
        for (Set<Integer> s : scopes) if (s.contains(v.id())) return true;
        return false;
    }

    private void report(String where, String message) {
        diagnostics.add("`" + where + "`: " + message);
    }
}
