package strata.grammar.ast;

import java.util.List;
import strata.grammar.Span;

/** Expressions of the language. Compile-time values and run-time tensors share one syntax. */
public sealed interface Expr {
    Span span();

    record IntLit(Span span, long value) implements Expr {}

    record FloatLit(Span span, double value) implements Expr {}

    record StrLit(Span span, String value) implements Expr {}

    record BoolLit(Span span, boolean value) implements Expr {}

    record NoneLit(Span span) implements Expr {}

    /** A dtype used as a value, as in {@code cast(x, f32)}. */
    record DTypeLit(Span span, String dtype) implements Expr {}

    record Name(Span span, String name) implements Expr {}

    /** Binary operators: {@code or and == != < <= > >= + - * / % @ **}. */
    record Binary(Span span, String op, Expr left, Expr right) implements Expr {}

    /** Unary operators: {@code -} and {@code not}. */
    record Unary(Span span, String op, Expr operand) implements Expr {}

    record Call(Span span, Expr callee, List<Arg> args) implements Expr {}

    record Index(Span span, Expr target, List<IndexItem> items) implements Expr {}

    record Member(Span span, Expr target, String name) implements Expr {}

    /** {@code x^T}: swap the last two axes. */
    record Transpose(Span span, Expr operand) implements Expr {}

    /** {@code repeat n: f(x)} applies f n times; {@code shared repeat} reuses one set of weights. */
    record Repeat(Span span, boolean shared, Expr count, Expr body) implements Expr {}

    record If(Span span, Expr cond, Expr then, Expr otherwise) implements Expr {}

    /** {@code route w { a; b; c }}: sum of branches weighted by the last axis of w. */
    record Route(Span span, Expr weights, List<Expr> branches) implements Expr {}

    record Tuple(Span span, List<Expr> items) implements Expr {}

    record ListLit(Span span, List<Expr> items) implements Expr {}

    /** One argument of a call, positional when name is null. */
    record Arg(Span span, String name, Expr value) {}

    sealed interface IndexItem {
        Span span();
    }

    record At(Span span, Expr index) implements IndexItem {}

    /** {@code lo:hi:step}, any part may be null. */
    record Range(Span span, Expr lo, Expr hi, Expr step) implements IndexItem {}

    /** {@code ..}: all the axes not named by the other items. */
    record Rest(Span span) implements IndexItem {}
}
