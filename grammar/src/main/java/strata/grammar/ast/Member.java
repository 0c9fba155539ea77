package strata.grammar.ast;

import java.util.List;
import strata.grammar.Span;

/** Members of a model or module body. */
public sealed interface Member {
    Span span();

    /** The name it defines, or null for members that define none. */
    String name();

    record Hyper(Span span, String name, TypeRef type, Expr value) implements Member {}

    /** A preset: hyperparameter values, and training-recipe entries from its {@code train { ... }} blocks. */
    record Preset(Span span, String name, String parent, List<Entry> entries, List<Entry> train) implements Member {}

    /** {@code train { steps = 2000; lr = 1e-3 }}: the model's default training recipe. */
    record Train(Span span, List<Entry> entries) implements Member {
        @Override public String name() { return "train"; }
    }

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

    /**
     * {@code loss lm(logits, targets: i32[B, T]) = mean(cross_entropy(logits, targets))}: a training
     * objective. Its first parameters receive the forward's results in order; the rest are inputs
     * that only training reads (targets, labels, loss masks).
     */
    record Loss(Span span, Decl.Fn fn) implements Member {
        @Override public String name() { return fn.name(); }
    }

    record MaskMember(Span span, Decl.MaskDef mask) implements Member {
        @Override public String name() { return mask.name(); }
    }

    /** {@code name = expr}: a part, a derived value, or (in a model that extends) an override. */
    record Bind(Span span, String name, Expr value) implements Member {}
}
