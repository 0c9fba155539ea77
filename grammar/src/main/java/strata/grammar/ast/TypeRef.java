package strata.grammar.ast;

import java.util.List;
import strata.grammar.Span;

/** Written types: {@code f32[B, T, d]}, {@code f32[.., d]}, {@code int}, {@code mask}. */
public sealed interface TypeRef {
    Span span();

    record Tensor(Span span, String dtype, List<DimRef> dims) implements TypeRef {}

    record Scalar(Span span, String dtype) implements TypeRef {}

    record Named(Span span, String name) implements TypeRef {}

    sealed interface DimRef {
        Span span();
    }

    /** {@code ..}: any number of leading axes. */
    record Rest(Span span) implements DimRef {}

    record DimExpr(Span span, Expr expr) implements DimRef {}
}
