package strata.compiler.graph.passes;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.Value;

/**
 * Removes ops whose results no output needs, inside regions too. Reads of outer values from a
 * region count as uses. Parameters and inputs always stay: they are the model's interface, and
 * its parameter count must not depend on which outputs a program happens to compute.
 */
public final class DeadCodeElimination implements Pass {
    @Override public String name() { return "dce"; }

    @Override public Graph run(Graph g) {
        Set<Integer> live = new HashSet<>();
        for (Value v : g.outputs()) live.add(v.id());
        return new Graph(g.name(), g.symbols(), prune(g.ops(), live), g.outputs());
    }

    /** Keeps the ops of one block that are live, walking backwards so that uses precede definitions. */
    private static List<Op> prune(List<Op> ops, Set<Integer> live) {
        List<Op> kept = new ArrayList<>();
        for (Op op : ops.reversed()) {
            if (!live.contains(op.result().id()) && !isInterface(op)) continue;
            List<Region> regions = new ArrayList<>();
            for (Region r : op.regions()) {
                live.add(r.yield().id());
                regions.add(new Region(r.role(), r.args(), prune(r.ops(), live), r.yield()));
            }
            for (Value v : op.operands()) live.add(v.id());
            kept.add(new Op(op.result(), op.kind(), op.operands(), op.attrs(), regions));
        }
        Collections.reverse(kept);
        return kept;
    }

    private static boolean isInterface(Op op) { return op.kind() == OpKind.PARAM || op.kind() == OpKind.INPUT; }
}
