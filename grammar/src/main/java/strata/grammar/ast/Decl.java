package strata.grammar.ast;

import java.util.List;
import strata.grammar.Span;

/** Top-level declarations of a file (functions and masks may also be members of a component). */
public sealed interface Decl {
    Span span();

    String name();

    /**
     * A model or a module: both hold hyperparameters, parameters, parts and a forward; a model is
     * what the CLI builds, with presets and inputs.
     *
     * @param params     constructor parameters of a module (null for none written)
     * @param parent     the component it extends, or null
     * @param parentArgs arguments passed to the parent's constructor
     */
    record Component(Span span, boolean isModel, String name, List<Param> params, String parent,
                     List<Expr.Arg> parentArgs, List<Member> members) implements Decl {}

    /** {@code fn} or {@code layer}: a function whose body may hold parts of its own. */
    record Fn(Span span, String name, List<Param> params, TypeRef result, List<Stmt> body) implements Decl {}

    /**
     * {@code mask name(data...)(b, h, q, k) = expr} or {@code score name(data...)(h, q, k, s) = expr}.
     *
     * @param indices the index variables it names, a subset of b, h, q, k (and s for a score)
     */
    record MaskDef(Span span, boolean isScore, String name, List<Param> data, List<String> indices, Expr body) implements Decl {}

    record Const(Span span, String name, Expr value) implements Decl {}
}
