package strata.grammar.ast;

import java.util.List;
import strata.grammar.Span;

/** Statements of block bodies. */
public sealed interface Stmt {
    Span span();

    /** {@code x = e} or {@code q, k, v = e}. */
    record Assign(Span span, List<String> names, Expr value) implements Stmt {}

    record Return(Span span, List<Expr> values) implements Stmt {}

    record If(Span span, Expr cond, List<Stmt> then, List<Stmt> otherwise) implements Stmt {}

    /** {@code requires T <= block}: a condition checked when the model is built. */
    record Require(Span span, Expr cond) implements Stmt {}
}
