package strata.compiler.graph;

import java.util.ArrayList;
import java.util.List;

/**
 * A program of the graph dialect: ops in definition order, over the free dimension symbols it
 * declares (B, T, ...), producing its outputs.
 */
public record Graph(String name, List<String> symbols, List<Op> ops, List<Value> outputs) {

    public Graph {
        symbols = List.copyOf(symbols);
        ops = List.copyOf(ops);
        outputs = List.copyOf(outputs);
    }

    /** The ops that produce a value of the given kind, in order. */
    public List<Op> opsOf(OpKind kind) {
        List<Op> out = new ArrayList<>();
        for (Op op : ops) if (op.kind() == kind) out.add(op);
        return out;
    }

    /** Parameters, in order of first definition. */
    public List<Op> params() { return opsOf(OpKind.PARAM); }

    public List<Op> inputs() { return opsOf(OpKind.INPUT); }

    /** The number of scalar parameters; every parameter's shape is concrete. */
    public long parameterCount() {
        long n = 0;
        for (Op p : params()) n += p.type().numel().value();
        return n;
    }

    /** The largest value id in use, including those inside regions. */
    public int maxId() {
        int m = -1;
        for (Op op : ops) m = Math.max(m, maxId(op));
        return m;
    }

    private static int maxId(Op op) {
        int m = op.result().id();
        for (Region r : op.regions()) {
            for (Value a : r.args()) m = Math.max(m, a.id());
            for (Op o : r.ops()) m = Math.max(m, maxId(o));
        }
        return m;
    }
}
