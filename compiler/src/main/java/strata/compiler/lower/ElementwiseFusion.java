package strata.compiler.lower;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.Value;

/**
 * Groups elementwise ops into fused kernels: an elementwise op is computed inside its consumer
 * when the consumer is elementwise and is its only user (so nothing else needs it in memory).
 * Constant fills, iotas and random draws (a function of the element's counter) are computed
 * wherever they are used, never stored unless whole-tensor kernels or outputs need them. What is left are
 * the values a program keeps in memory: the roots of groups, and the results of other ops.
 */
public final class ElementwiseFusion {
    private final Map<Value, Op> producer = new HashMap<>();
    private final Map<Value, Integer> uses = new HashMap<>();
    private final Set<Value> outputs;

    private ElementwiseFusion(Graph g) {
        for (Op op : g.ops()) producer.put(op.result(), op);
        for (Op op : g.ops()) countUses(op);
        for (Value v : g.outputs()) uses.merge(v, 1, Integer::sum);
        outputs = new HashSet<>(g.outputs());
    }

    private void countUses(Op op) {
        for (Value v : op.operands()) uses.merge(v, 1, Integer::sum);
        for (Region r : op.regions()) for (Op o : r.ops()) countUses(o);
        for (Region r : op.regions()) uses.merge(r.yield(), 1, Integer::sum);
    }

    /**
     * Whether the op computes each element from the elements at the same (broadcast) position of
     * its operands: the elementwise ops, gelu, dropout (the identity in inference; in training a
     * mask drawn from the element's counter) and broadcast (a read with numpy broadcasting).
     */
    public static boolean isPointwise(Op op) {
        return op.kind().isElementwise() || op.kind() == OpKind.GELU || op.kind() == OpKind.DROPOUT || op.kind() == OpKind.BROADCAST;
    }

    /** Whether the value is computed inline by its consumer rather than stored. */
    public static boolean isInlineSource(Op op) {
        return op.kind() == OpKind.CONST || op.kind() == OpKind.IOTA || op.kind() == OpKind.RANDOM;
    }

    /** The ops that must store their result, in order, each with the ops fused into it. */
    public static Map<Op, List<Op>> groups(Graph g) {
        ElementwiseFusion f = new ElementwiseFusion(g);
        Map<Op, List<Op>> out = new LinkedHashMap<>();
        for (Op op : g.ops()) {
            if (f.fusedIntoConsumer(op)) continue;
            List<Op> members = new ArrayList<>();
            if (isPointwise(op)) f.collect(op, members);
            out.put(op, members);
        }
        return out;
    }

    private boolean fusedIntoConsumer(Op op) {
        if (isInlineSource(op)) return true;
        if (!isPointwise(op) || outputs.contains(op.result())) return false;
        if (uses.getOrDefault(op.result(), 0) != 1) return false;
        Op consumer = consumerOf(op.result());
        return consumer != null && isPointwise(consumer);
    }

    private final Map<Value, Op> consumers = new HashMap<>();

    private Op consumerOf(Value v) {
        if (consumers.isEmpty())
            for (Op op : producer.values()) for (Value o : op.operands()) consumers.put(o, op);
        return consumers.get(v);
    }

    private void collect(Op op, List<Op> members) {
        for (Value v : op.operands()) {
            Op p = producer.get(v);
            if (p != null && isPointwise(p) && fusedIntoConsumer(p)) collect(p, members);
        }
        members.add(op);
    }
}
