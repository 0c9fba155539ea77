package strata.compiler.lower;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import strata.compiler.graph.Attr;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.Value;

/**
 * The {@code attention_grad} ops that differentiate one attention: autodiff makes one op per
 * operand (wrt q, k, v), each with its own copy of the mask and score regions. Ops with the same
 * q, k, v and dout, the same attributes besides {@code wrt}, and regions equal up to the names
 * of their values are lowered together ({@link FusedAttentionGrad#lowerTogether}), so that the
 * probabilities and dP are recomputed once for dk and dv and the row statistics once for all.
 * A {@code wrt = score} op stays alone: it is no part of a training step's gradient.
 */
final class AttentionGradSiblings {
    private AttentionGradSiblings() {}

    /**
     * Siblings in graph order (the first leads), and the output of the attention they
     * differentiate when the graph computes it before them (else null): its rows give
     * D_i = dout_i . O_i directly (FlashAttention-2, Algorithm 2, line 4).
     */
    record Group(List<Op> ops, Value forward) {}

    /** Each op of a group of two or more siblings -> the group. */
    static Map<Op, Group> of(Graph g) {
        List<List<Op>> groups = new ArrayList<>();
        List<Op> forwards = new ArrayList<>();
        Map<List<Op>, Value> forwardOf = new java.util.IdentityHashMap<>();   // the groups grow: key by identity
        for (Op op : g.ops()) {
            if (op.kind() == OpKind.ATTENTION) forwards.add(op);
            if (op.kind() != OpKind.ATTENTION_GRAD || !List.of("q", "k", "v").contains(op.strAttr("wrt", ""))) continue;
            List<Op> home = null;
            for (List<Op> group : groups)
                if (siblings(group.getFirst(), op) && group.stream().noneMatch(o -> o.strAttr("wrt", "").equals(op.strAttr("wrt", "")))) {
                    home = group;
                    break;
                }
            if (home == null) {
                groups.add(home = new ArrayList<>());
                for (Op f : forwards)
                    if (differentiates(op, f)) {
                        forwardOf.put(home, f.result());
                        break;
                    }
            }
            home.add(op);
        }
        Map<Op, Group> out = new LinkedHashMap<>();
        for (List<Op> group : groups)
            if (group.size() > 1) {
                Group x = new Group(List.copyOf(group), forwardOf.get(group));
                for (Op op : group) out.put(op, x);
            }
        return out;
    }

    /** Whether grad differentiates the attention f: the same q, k, v, attributes but wrt, and mask and score regions. */
    static boolean differentiates(Op grad, Op f) {
        if (!f.operands().equals(grad.operands().subList(0, 3))) return false;
        Map<String, Attr> x = new HashMap<>(grad.attrs());
        x.remove("wrt");
        if (!x.equals(f.attrs())) return false;
        for (String role : List.of("mask", "score")) {
            Region a = grad.region(role).orElse(null), b = f.region(role).orElse(null);
            if ((a == null) != (b == null) || a != null && !equivalent(a, b)) return false;
        }
        return f.regions().stream().allMatch(r -> r.role().equals("mask") || r.role().equals("score"));
    }

    /** Same operands, same attributes but wrt, equivalent regions by role. */
    static boolean siblings(Op a, Op b) {
        if (!a.operands().equals(b.operands()) || a.regions().size() != b.regions().size()) return false;
        Map<String, Attr> x = new HashMap<>(a.attrs()), y = new HashMap<>(b.attrs());
        x.remove("wrt");
        y.remove("wrt");
        if (!x.equals(y)) return false;
        for (Region r : a.regions()) {
            Region s = b.region(r.role()).orElse(null);
            if (s == null || !equivalent(r, s)) return false;
        }
        return true;
    }

    /**
     * Alpha-equivalence of two regions: the same ops in the same order, each operand the
     * corresponding argument or earlier result, or the same graph value (a capture).
     */
    static boolean equivalent(Region a, Region b) {
        if (!a.role().equals(b.role()) || a.args().size() != b.args().size() || a.ops().size() != b.ops().size()) return false;
        Map<Value, Value> map = new HashMap<>();
        for (int i = 0; i < a.args().size(); i++) {
            if (!a.args().get(i).type().equals(b.args().get(i).type())) return false;
            map.put(a.args().get(i), b.args().get(i));
        }
        for (int n = 0; n < a.ops().size(); n++) {
            Op p = a.ops().get(n), q = b.ops().get(n);
            if (p.kind() != q.kind() || !p.type().equals(q.type()) || !p.attrs().equals(q.attrs())
                    || p.operands().size() != q.operands().size() || p.regions().size() != q.regions().size()) return false;
            for (int i = 0; i < p.operands().size(); i++)
                if (!Objects.equals(map.getOrDefault(p.operands().get(i), p.operands().get(i)), q.operands().get(i))) return false;
            for (int i = 0; i < p.regions().size(); i++) if (!equivalent(p.regions().get(i), q.regions().get(i))) return false;
            map.put(p.result(), q.result());
        }
        return map.getOrDefault(a.yield(), a.yield()).equals(b.yield());
    }
}
