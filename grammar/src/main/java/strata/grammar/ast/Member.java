package strata.grammar.ast;

import java.util.List;
import strata.grammar.Span;

/** Members of a model or module body. */
public sealed interface Member {
    Span span();

    /** The name it defines, or null for members that define none. */
    String name();

    record Hyper(Span span, String name, TypeRef type, Expr value) implements Member {}

    record Preset(Span span, String name, String parent, List<Entry> entries) implements Member {}

    record Entry(Span span, String name, Expr value) {}

    record Input(Span span, String name, TypeRef type, Expr requires) implements Member {}

    /** {@code param w: f32[out, in] ~ normal(0.02) if bias}. */
    record ParamDecl(Span span, String name, TypeRef type, Expr init, Expr cond) implements Member {}

    /** {@code slot norm(x: f32[.., d]) -> f32[.., d] = LayerNorm(d)}. */
    record Slot(Span span, String name, List<Param> params, TypeRef result, Expr filling) implements Member {}

    record Requires(Span span, Expr cond) implements Member {
        @Override public String name() { return null; }
    }

    /** The forward computation; params null for a model (it reads its inputs). */
    record Forward(Span span, List<Param> params, TypeRef result, List<Stmt> body) implements Member {
        @Override public String name() { return "forward"; }
    }

    record FnMember(Span span, Decl.Fn fn) implements Member {
        @Override public String name() { return fn.name(); }
    }

    record MaskMember(Span span, Decl.MaskDef mask) implements Member {
        @Override public String name() { return mask.name(); }
    }

    /** {@code name = expr}: a part, a derived value, or (in a model that extends) an override. */
    record Bind(Span span, String name, Expr value) implements Member {}
}
