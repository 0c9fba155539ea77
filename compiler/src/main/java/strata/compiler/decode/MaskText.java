package strata.compiler.decode;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.Attr;
import strata.compiler.graph.Op;
import strata.compiler.graph.Region;
import strata.compiler.graph.Value;

/**
 * A mask region rendered back as the expression a person wrote, {@code k <= q or k < prefix[b]},
 * for messages about it: arguments named b, h, q, k, captured inputs by their input names. Ops
 * without a spelling print as their mnemonic applied to the operands.
 */
final class MaskText {
    private MaskText() {}

    static String render(Region r, Map<Value, String> captured) {
        Map<Value, String> text = new HashMap<>(captured);
        List<String> names = List.of("b", "h", "q", "k", "s");
        for (int i = 0; i < r.args().size(); i++) text.put(r.args().get(i), names.get(Math.min(i, names.size() - 1)));
        for (Op op : r.ops()) text.put(op.result(), render(op, text));
        return text.getOrDefault(r.yield(), "?");
    }

    private static String render(Op op, Map<Value, String> text) {
        List<String> xs = op.operands().stream().map(v -> text.getOrDefault(v, "%" + v.id())).toList();
        String infix = switch (op.kind()) {
            case ADD -> "+"; case SUB -> "-"; case MUL -> "*"; case DIV -> "/"; case MOD -> "%";
            case LT -> "<"; case LE -> "<="; case GT -> ">"; case GE -> ">="; case EQ -> "=="; case NE -> "!=";
            case AND -> "and"; case OR -> "or";
            default -> null;
        };
        if (infix != null) return paren(xs.get(0), op) + " " + infix + " " + paren(xs.get(1), op);
        return switch (op.kind()) {
            case CAST -> xs.getFirst();
            case NOT -> "not " + xs.getFirst();
            case GATHER -> xs.get(0) + "[" + xs.get(1) + "]";
            case CONST -> op.attrs().get("value") instanceof Attr.Float f && f.value() == Math.rint(f.value())
                    ? Long.toString((long) f.value()) : String.valueOf(op.attrs().get("value"));
            default -> op.kind().mnemonic() + "(" + String.join(", ", xs) + ")";
        };
    }

    // a comparison under and/or and arithmetic under a comparison read without parentheses; an
    // `or` under `and` and any compound operand of arithmetic get them
    private static String paren(String x, Op op) {
        boolean needs = switch (op.kind()) {
            case OR -> false;
            case AND -> x.contains(" or ");
            case LT, LE, GT, GE, EQ, NE -> x.contains(" and ") || x.contains(" or ");
            default -> x.contains(" ");
        };
        return needs ? "(" + x + ")" : x;
    }
}
