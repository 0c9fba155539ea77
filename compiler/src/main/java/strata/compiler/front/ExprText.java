package strata.compiler.front;

import java.util.stream.Collectors;
import strata.grammar.ast.Expr;

/** Expressions printed back as source text, for messages ({@code RMSNorm(2 * d)}). */
final class ExprText {
    private ExprText() {}

    static String of(Expr e) {
        return switch (e) {
            case Expr.IntLit i -> Long.toString(i.value());
            case Expr.FloatLit f -> Double.toString(f.value());
            case Expr.StrLit s -> '"' + s.value() + '"';
            case Expr.BoolLit b -> Boolean.toString(b.value());
            case Expr.NoneLit n -> "none";
            case Expr.DTypeLit d -> d.dtype();
            case Expr.Name n -> n.name();
            case Expr.Binary b -> of(b.left()) + " " + b.op() + " " + of(b.right());
            case Expr.Unary u -> u.op().equals("not") ? "not " + of(u.operand()) : "-" + of(u.operand());
            case Expr.Call c -> of(c.callee()) + "(" + c.args().stream()
                    .map(a -> (a.name() == null ? "" : a.name() + " = ") + of(a.value())).collect(Collectors.joining(", ")) + ")";
            case Expr.Index i -> of(i.target()) + "[...]";
            case Expr.Member m -> of(m.target()) + "." + m.name();
            case Expr.Transpose t -> of(t.operand()) + "^T";
            case Expr.Repeat r -> (r.shared() ? "shared " : "") + "repeat " + of(r.count()) + ": " + of(r.body());
            case Expr.If i -> "if " + of(i.cond()) + " then " + of(i.then()) + " else " + of(i.otherwise());
            case Expr.Route r -> "route " + of(r.weights()) + " {...}";
            case Expr.Tuple t -> "(" + t.items().stream().map(ExprText::of).collect(Collectors.joining(", ")) + ")";
            case Expr.ListLit l -> "[" + l.items().stream().map(ExprText::of).collect(Collectors.joining(", ")) + "]";
        };
    }
}
