package strata.compiler.graph;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The textual form of the graph dialect, in the style of MLIR's generic form:
 * <pre>
 * graph @name(B, T) {
 *   %0 = input {name = "tokens"} : i32[B, T]
 *   %1 = attention %a, %b, %c {scale = 0.125} : f32[B, 2, T, 16]
 *     mask (%2: i64[], %3: i64[], %4: i64[], %5: i64[]) {
 *       %6 = le %5, %4 : bool[]
 *       yield %6
 *     }
 *   return %1
 * }
 * </pre>
 * Values are renumbered %0, %1, ... in order of definition (an op's result before its regions'
 * arguments), so printing is independent of the ids a pass happened to allocate and
 * {@code print(parse(print(g))) == print(g)}. {@link GraphParser} reads this form back.
 */
public final class GraphPrinter {
    private final StringBuilder out = new StringBuilder();
    /** Value id to printed number; null prints values by their own ids. */
    private final Map<Integer, Integer> numbers;

    private GraphPrinter(Map<Integer, Integer> numbers) {
        this.numbers = numbers;
    }

    public static String print(Graph g) {
        GraphPrinter p = new GraphPrinter(new HashMap<>());
        p.graph(g);
        return p.out.toString();
    }

    /** Several graphs, separated by a blank line. */
    public static String print(List<Graph> graphs) {
        StringBuilder sb = new StringBuilder();
        for (Graph g : graphs) sb.append(sb.isEmpty() ? "" : "\n").append(print(g));
        return sb.toString();
    }

    /** The first line of one op with the values' own ids, for diagnostics (regions are elided). */
    public static String opLine(Op op) {
        GraphPrinter p = new GraphPrinter(null);
        p.opHead(op);
        for (Region r : op.regions()) p.out.append(" ").append(r.role()).append(" {...}");
        return p.out.toString();
    }

    private void graph(Graph g) {
        out.append("graph @").append(g.name()).append('(').append(String.join(", ", g.symbols())).append(") {\n");
        for (Op op : g.ops()) op(op, "  ");
        out.append("  return");
        for (int i = 0; i < g.outputs().size(); i++) out.append(i == 0 ? " " : ", ").append(use(g.outputs().get(i)));
        out.append("\n}\n");
    }

    private void op(Op op, String indent) {
        out.append(indent);
        opHead(op);
        out.append('\n');
        for (Region r : op.regions()) region(r, indent + "  ");
    }

    private void opHead(Op op) {
        out.append(define(op.result())).append(" = ").append(op.kind().mnemonic());
        for (int i = 0; i < op.operands().size(); i++) out.append(i == 0 ? " " : ", ").append(use(op.operands().get(i)));
        if (!op.attrs().isEmpty()) out.append(' ').append(attrs(op.attrs()));
        out.append(" : ").append(op.type());
    }

    private void region(Region r, String indent) {
        out.append(indent).append(r.role()).append(" (");
        for (int i = 0; i < r.args().size(); i++) {
            Value a = r.args().get(i);
            out.append(i == 0 ? "" : ", ").append(define(a)).append(": ").append(a.type());
        }
        out.append(") {\n");
        for (Op op : r.ops()) op(op, indent + "  ");
        out.append(indent).append("  yield ").append(use(r.yield())).append('\n');
        out.append(indent).append("}\n");
    }

    /** {@code {axis = 0, name = "x"}}: the attributes, sorted by name. */
    public static String attrs(Map<String, Attr> attrs) {
        StringBuilder sb = new StringBuilder("{");
        for (var e : attrs.entrySet()) sb.append(sb.length() == 1 ? "" : ", ").append(e.getKey()).append(" = ").append(e.getValue());
        return sb.append('}').toString();
    }

    private String define(Value v) {
        if (numbers == null) return "%" + v.id();
        numbers.putIfAbsent(v.id(), numbers.size());
        return "%" + numbers.get(v.id());
    }

    private String use(Value v) {
        if (numbers == null) return "%" + v.id();
        Integer n = numbers.get(v.id());
        return n == null ? "%?" + v.id() : "%" + n;
    }
}
