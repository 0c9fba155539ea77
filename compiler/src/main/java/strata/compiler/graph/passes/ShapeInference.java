package strata.compiler.graph.passes;

import java.util.ArrayList;
import java.util.List;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphPrinter;
import strata.compiler.graph.Op;
import strata.compiler.graph.Region;
import strata.compiler.graph.ShapeError;
import strata.compiler.graph.ShapeRules;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;

/**
 * Recomputes every op's result type from its operands, in definition order, so that a change to a
 * source's declared type (a symbol substituted by a number, a parameter reshaped by a rewrite)
 * flows to every op downstream. Ops that declare their type (sources, reshape, broadcast, cast)
 * keep it and are checked against their operands. Each type that changes is recorded in
 * {@link #mismatches()}; an op whose operands no longer fit is a {@link ShapeError} naming it.
 */
public final class ShapeInference implements Pass {
    private final List<String> mismatches = new ArrayList<>();

    @Override public String name() { return "shape-inference"; }

    /** The ops of the last run whose written type was not the inferred one: {@code `op`: old -> new}. */
    public List<String> mismatches() { return List.copyOf(mismatches); }

    @Override public Graph run(Graph g) {
        mismatches.clear();
        Substitution retyped = new Substitution();
        List<Op> ops = block(g.ops(), retyped);
        return new Graph(g.name(), g.symbols(), ops, retyped.apply(g.outputs()));
    }

    private List<Op> block(List<Op> ops, Substitution retyped) {
        List<Op> out = new ArrayList<>(ops.size());
        for (Op old : ops) {
            List<Value> operands = retyped.apply(old.operands());
            List<Region> regions = new ArrayList<>();
            for (Region r : old.regions())
                regions.add(new Region(r.role(), r.args(), block(r.ops(), retyped), retyped.apply(r.yield())));
            TensorType t = infer(old, operands);
            Value result = old.result();
            if (!t.equals(result.type())) {
                mismatches.add("`" + GraphPrinter.opLine(old) + "`: " + result.type() + " -> " + t);
                result = new Value(result.id(), t);
                retyped.replace(old.result(), result);
            }
            out.add(new Op(result, old.kind(), operands, old.attrs(), regions));
        }
        return out;
    }

    private static TensorType infer(Op op, List<Value> operands) {
        List<TensorType> in = new ArrayList<>();
        for (Value v : operands) in.add(v.type());
        try {
            return ShapeRules.infer(op.kind(), in, op.attrs(), op.kind().declaresType() ? op.type() : null);
        } catch (ShapeError e) {
            throw new ShapeError("shape-inference: `" + GraphPrinter.opLine(op) + "`: " + e.getMessage());
        }
    }
}
