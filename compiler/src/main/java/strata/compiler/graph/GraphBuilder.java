package strata.compiler.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds a graph op by op, checking each op's shape rule as it is added, so that a front end
 * learns of a shape mistake at the op that makes it. Regions are built in nested scopes.
 */
public final class GraphBuilder {
    private final String name;
    private final LinkedHashSet<String> symbols = new LinkedHashSet<>();
    private final Deque<List<Op>> scopes = new ArrayDeque<>();
    private int nextId;

    public GraphBuilder(String name) {
        this(name, 0);
    }

    /** A builder whose fresh values are numbered from {@code firstId} (for rewriting a graph). */
    public GraphBuilder(String name, int firstId) {
        this.name = name;
        this.nextId = firstId;
        scopes.push(new ArrayList<>());
    }

    public void declareSymbol(String s) { symbols.add(s); }

    public Value fresh(TensorType type) { return new Value(nextId++, type); }

    /** Adds an op whose result type follows from its operands. */
    public Value op(OpKind kind, List<Value> operands, Map<String, Attr> attrs) {
        return op(kind, operands, attrs, null, List.of());
    }

    public Value op(OpKind kind, Value... operands) { return op(kind, List.of(operands), Map.of()); }

    /** Adds an op; {@code declared} is its written result type (sources, reshape, broadcast, cast). */
    public Value op(OpKind kind, List<Value> operands, Map<String, Attr> attrs, TensorType declared, List<Region> regions) {
        List<TensorType> types = new ArrayList<>(operands.size());
        for (Value v : operands) types.add(v.type());
        TensorType t = ShapeRules.infer(kind, types, attrs, declared);
        for (Dim d : t.shape()) symbols.addAll(d.symbols());
        Value result = fresh(t);
        scopes.peek().add(new Op(result, kind, operands, attrs, regions));
        return result;
    }

    /** Appends an already-typed op (used by passes that copy ops). */
    public void append(Op op) { scopes.peek().add(op); }

    public Value param(String name, TensorType type) {
        return op(OpKind.PARAM, List.of(), Map.of("name", new Attr.Str(name)), type, List.of());
    }

    public Value input(String name, TensorType type) {
        return op(OpKind.INPUT, List.of(), Map.of("name", new Attr.Str(name)), type, List.of());
    }

    public Value constant(double value, TensorType type) {
        return op(OpKind.CONST, List.of(), Map.of("value", new Attr.Float(value)), type, List.of());
    }

    /**
     * Builds a region: {@code body} receives the region's arguments (fresh values of the given
     * types) and returns the value to yield; ops it adds meanwhile land in the region.
     */
    public Region region(String role, List<TensorType> argTypes, Function<List<Value>, Value> body) {
        List<Value> args = new ArrayList<>();
        for (TensorType t : argTypes) args.add(fresh(t));
        scopes.push(new ArrayList<>());
        List<Op> ops;
        Value y;
        try {
            y = body.apply(args);
        } finally {
            ops = scopes.pop();
        }
        return new Region(role, args, ops, y);
    }

    public Graph build(List<Value> outputs) {
        if (scopes.size() != 1) throw new IllegalStateException("a region is still open");
        return new Graph(name, new ArrayList<>(symbols), scopes.peek(), outputs);
    }
}
