package strata.grammar.ast;

import java.lang.reflect.RecordComponent;
import java.util.List;
import strata.grammar.Span;

/**
 * Prints an AST as an indented tree, one node per line with its scalar fields inline and the
 * line:col where it starts ({@code strata compile --emit=ast}).
 */
public final class AstPrinter {
    private AstPrinter() {}

    public static String print(Object node) {
        StringBuilder sb = new StringBuilder();
        node(sb, null, node, 0);
        return sb.toString();
    }

    private static void node(StringBuilder sb, String label, Object n, int depth) {
        String pad = "  ".repeat(depth);
        String lab = label == null ? "" : label + ": ";
        if (n == null) return;
        if (n instanceof List<?> l) {
            if (l.isEmpty()) return;
            sb.append(pad).append(lab).append("[").append(l.size()).append("]\n");
            for (Object o : l) node(sb, null, o, depth + 1);
            return;
        }
        if (!n.getClass().isRecord()) {
            sb.append(pad).append(lab).append(n).append('\n');
            return;
        }
        StringBuilder head = new StringBuilder(pad).append(lab).append(n.getClass().getSimpleName());
        Span at = null;
        RecordComponent[] rc = n.getClass().getRecordComponents();
        for (RecordComponent c : rc) {
            Object v = get(c, n);
            if (v instanceof Span s) at = s;
            else if (v instanceof String || v instanceof Number || v instanceof Boolean) head.append(' ').append(c.getName()).append('=').append(v);
        }
        if (at != null && at.line() > 0) head.append("  @").append(at.line()).append(':').append(at.col());
        sb.append(head).append('\n');
        for (RecordComponent c : rc) {
            Object v = get(c, n);
            if (v == null || v instanceof Span || v instanceof String || v instanceof Number || v instanceof Boolean) continue;
            node(sb, c.getName(), v, depth + 1);
        }
    }

    private static Object get(RecordComponent c, Object n) {
        try {
            return c.getAccessor().invoke(n);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
