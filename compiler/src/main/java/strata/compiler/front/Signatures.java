package strata.compiler.front;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.Dim;
import strata.grammar.CompileError;
import strata.grammar.Span;
import strata.grammar.ast.Param;
import strata.grammar.ast.TypeRef;

/** Binding arguments to parameters and checking them against their written types. */
final class Signatures {
    private Signatures() {}

    /**
     * Binds positional then named arguments, then defaults (evaluated in the new scope, so a
     * default may use an earlier parameter: {@code kv_heads: int = heads}).
     */
    static void bindParams(String what, List<Param> params, List<Val> args, Map<String, Val> named, Scope scope,
                           Evaluator ev, Span span, Map<String, Dim> bindings) {
        if (args.size() > params.size())
            throw new CompileError(span, what + " takes " + params.size() + " argument" + (params.size() == 1 ? "" : "s") + ", got " + args.size(),
                    params.isEmpty() ? null : "its parameters are " + names(params));
        for (String n : named.keySet())
            if (params.stream().noneMatch(p -> p.name().equals(n))) {
                String near = Spelling.nearest(n, params.stream().map(Param::name).toList(), List.of());
                throw new CompileError(span, what + " has no parameter `" + n + "`",
                        near != null ? "did you mean `" + near + "`?" : "its parameters are " + names(params));
            }
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            Val v;
            if (i < args.size()) {
                v = args.get(i);
                if (named.containsKey(p.name())) throw new CompileError(span, what + ": `" + p.name() + "` is given twice");
            } else if (named.containsKey(p.name())) v = named.get(p.name());
            else if (p.dflt() != null) v = ev.eval(p.dflt(), scope);
            else throw new CompileError(span, what + " needs `" + p.name() + "`" + (p.type() == null ? "" : ": " + show(p.type())),
                        "its parameters are " + names(params));
            scope.bind(p.name(), check(what, p, v, scope, ev, span, bindings));
        }
        // the sizes a signature names (B, T in x: f32[B, T, d]) are in scope in the body
        for (var e : bindings.entrySet())
            if (scope.lookup(e.getKey(), span) == null) scope.bind(e.getKey(), ev.ops.dimVal(e.getValue()));
    }

    static String names(List<Param> params) {
        List<String> out = new ArrayList<>();
        for (Param p : params) out.add(p.name());
        return String.join(", ", out);
    }

    /** Checks a value against a parameter's type; converts an int to a float parameter. */
    static Val check(String what, Param p, Val v, Scope scope, Evaluator ev, Span span, Map<String, Dim> bindings) {
        if (p.type() == null || v instanceof Val.Poison) return v;
        TypeRef t = p.type();
        if (t instanceof TypeRef.Named n) {
            boolean ok = switch (n.name()) {
                case "int" -> v instanceof Val.Int || v instanceof Val.DimV;
                case "float" -> v instanceof Val.Float || v instanceof Val.Int;
                case "str" -> v instanceof Val.Str;
                case "mask", "score" -> v instanceof Val.Mask || v instanceof Val.None;
                case "module", "fn" -> v instanceof Val.Factory || v instanceof Val.Fn || v instanceof Val.Part
                        || v instanceof Val.Builtin || v instanceof Val.None;
                case "dim" -> v instanceof Val.Int || v instanceof Val.DimV;
                default -> throw new CompileError(t.span(), "unknown type `" + n.name() + "`",
                        "types are int, float, bool, str, dim, mask, score, module, fn, or a tensor type such as f32[B, T, d]");
            };
            if (!ok) throw new CompileError(span, what + ": `" + p.name() + "` must be " + article(n.name()) + ", got " + Val.describe(v));
            if (n.name().equals("float") && v instanceof Val.Int i) return new Val.Float(i.value());
            return v;
        }
        if (t instanceof TypeRef.Scalar s && s.dtype().equals("bool") && v instanceof Val.Bool) return v;
        TypeMatch.Pattern pat = TypeMatch.pattern(t, scope, ev);
        if (!(v instanceof Val.Tensor tv))
            throw new CompileError(span, what + ": `" + p.name() + "` must be a tensor " + pat.render(bindings) + ", got " + Val.describe(v));
        String why = TypeMatch.match(tv.value().type(), pat, bindings);
        if (why != null)
            throw new CompileError(span, what + " expects " + p.name() + ": " + pat.render(bindings) + ", got " + tv.value().type(), why);
        return v;
    }

    static void checkResult(String what, TypeRef t, Val v, Scope scope, Evaluator ev, Span span, Map<String, Dim> bindings) {
        if (v instanceof Val.Poison) return;
        TypeMatch.Pattern pat = TypeMatch.pattern(t, scope, ev);
        if (pat == null) return;
        if (!(v instanceof Val.Tensor tv))
            throw new CompileError(span, what + " should return a tensor " + pat.render(bindings) + ", but returns " + Val.describe(v));
        String why = TypeMatch.match(tv.value().type(), pat, bindings);
        if (why != null)
            throw new CompileError(span, what + " should return " + pat.render(bindings) + ", but returns " + tv.value().type(), why);
    }

    static String show(TypeRef t) {
        return switch (t) {
            case TypeRef.Named n -> n.name();
            case TypeRef.Scalar s -> s.dtype();
            case TypeRef.Tensor x -> x.dtype() + "[" + String.join(", ", x.dims().stream().map(d -> switch (d) {
                case TypeRef.Rest r -> "..";
                case TypeRef.DimExpr e -> ExprText.of(e.expr());
            }).toList()) + "]";
        };
    }

    private static String article(String type) {
        return switch (type) {
            case "int" -> "an int";
            case "module" -> "a part";
            default -> "a " + type;
        };
    }
}
