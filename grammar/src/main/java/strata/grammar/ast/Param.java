package strata.grammar.ast;

import strata.grammar.Span;

/** A parameter of a component, function or mask; type and default may be null. */
public record Param(Span span, String name, TypeRef type, Expr dflt) {}
