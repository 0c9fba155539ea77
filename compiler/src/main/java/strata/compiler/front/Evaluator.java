package strata.compiler.front;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.GraphBuilder;
import strata.grammar.CompileError;
import strata.grammar.Diagnostics;
import strata.grammar.Span;
import strata.grammar.ast.Decl;
import strata.grammar.ast.Expr;
import strata.grammar.ast.Stmt;

/**
 * Evaluates Strata expressions and statements. Compile-time values (numbers, dims, parts,
 * masks) are computed here; tensor operations are added to the graph being built. A failed
 * statement records its diagnostic and binds its names to {@link Val.Poison}, so that one run
 * reports several independent errors without cascades.
 */
public final class Evaluator {
    final GraphBuilder graph;
    final Diagnostics diagnostics;
    final Scope globals;
    final Parts parts;
    final Deque<Naming> naming = new ArrayDeque<>();
    final TensorOps ops;
    final Builtins builtins;
    final Indexing indexing;

    public Evaluator(GraphBuilder graph, Diagnostics diagnostics, Scope globals) {
        this.graph = graph;
        this.diagnostics = diagnostics;
        this.globals = globals;
        this.ops = new TensorOps(this);
        this.builtins = new Builtins(this);
        this.indexing = new Indexing(this);
        this.parts = new Parts(this);
        naming.push(new Naming(""));
    }

    // ---------------------------------------------------------------- statements

    /** Runs a body; returns what it returns (a tuple for several values), or none. */
    Val run(List<Stmt> body, Scope scope) {
        for (Stmt s : body) {
            Val r = runStmt(s, scope);
            if (r != null) return r;
        }
        return Val.NONE;
    }

    private Val runStmt(Stmt s, Scope scope) {
        switch (s) {
            case Stmt.Assign a -> {
                Val v;
                try {
                    v = a.value() instanceof Expr.Repeat r && a.names().size() == 1
                            ? repeat(r, scope, a.names().getFirst()) : eval(a.value(), scope);
                } catch (CompileError e) {
                    diagnostics.add(e.diagnostic());
                    v = Val.POISON;
                }
                if (a.names().size() == 1) scope.bind(a.names().getFirst(), v);
                else if (v instanceof Val.Tuple t && t.items().size() == a.names().size())
                    for (int i = 0; i < t.items().size(); i++) scope.bind(a.names().get(i), t.items().get(i));
                else {
                    if (!(v instanceof Val.Poison))
                        diagnostics.error(a.span(), "cannot unpack " + Val.describe(v) + " into " + a.names().size() + " names");
                    for (String n : a.names()) scope.bind(n, Val.POISON);
                }
                return null;
            }
            case Stmt.Return r -> {
                List<Val> vs = new ArrayList<>();
                for (Expr e : r.values()) vs.add(guarded(e, scope));
                return vs.size() == 1 ? vs.getFirst() : new Val.Tuple(vs);
            }
            case Stmt.If i -> {
                Val c = guarded(i.cond(), scope);
                if (c instanceof Val.Poison) return null;
                if (!(c instanceof Val.Bool b)) {
                    diagnostics.error(i.cond().span(), "an `if` statement needs a condition known at compile time, got " + Val.describe(c),
                            "to choose between tensors element by element, use where(cond, a, b)");
                    return null;
                }
                for (Stmt x : b.value() ? i.then() : i.otherwise()) {
                    Val r = runStmt(x, scope);
                    if (r != null) return r;
                }
                return null;
            }
            case Stmt.Require q -> {
                requireHolds(q.cond(), scope);
                return null;
            }
        }
    }

    /** Evaluates; on error records it and yields poison. */
    Val guarded(Expr e, Scope scope) {
        try {
            return eval(e, scope);
        } catch (CompileError err) {
            diagnostics.add(err.diagnostic());
            return Val.POISON;
        }
    }

    /** Checks a requirement; records the failure (with where the part was asked for) and returns false. */
    boolean requireHolds(Expr cond, Scope scope) {
        Val v = guarded(cond, scope);
        if (!(v instanceof Val.Bool || v instanceof Val.None || v instanceof Val.Poison)) {
            diagnostics.error(cond.span(), "a requirement must be a condition, but `" + ExprText.of(cond) + "` is " + Val.describe(v),
                    "write a comparison such as d % heads == 0");
            return false;
        }
        if (v instanceof Val.None && cond instanceof Expr.Binary b && List.of("<", "<=", ">", ">=", "==", "!=").contains(b.op())) {
            Val l = guarded(b.left(), scope), r = guarded(b.right(), scope);
            if ((l instanceof Val.Int || l instanceof Val.DimV) && (r instanceof Val.Int || r instanceof Val.DimV))
                sizeRequirements.add(new SizeRequirement(ExprText.of(cond), cond.span(), dimOf(l, cond.span()), b.op(), dimOf(r, cond.span())));
            return true;
        }
        if (v instanceof Val.Bool b && !b.value()) {
            Span from = parts.makingSite();
            String hint = from == null || from.file().equals(cond.span().file()) ? "change the hyperparameters so that it does"
                    : "required by the part made at " + from + "; change the hyperparameters given there";
            diagnostics.error(cond.span(), "requirement `" + ExprText.of(cond) + "` does not hold" + values(cond, scope), hint);
            return false;
        }
        return true;
    }

    /** Requirements on sizes that only a run can decide ({@code T <= block}). */
    final List<SizeRequirement> sizeRequirements = new ArrayList<>();

    /** For a failed comparison, the values of its sides: " (d % heads is 2)". */
    private String values(Expr cond, Scope scope) {
        if (!(cond instanceof Expr.Binary b) || b.op().equals("and") || b.op().equals("or")) return "";
        List<String> parts = new ArrayList<>();
        for (Expr side : List.of(b.left(), b.right())) {
            if (side instanceof Expr.IntLit || side instanceof Expr.FloatLit) continue;
            Val v = guarded(side, scope);
            String shown = switch (v) {
                case Val.Int i -> Long.toString(i.value());
                case Val.Float f -> Double.toString(f.value());
                case Val.DimV d -> d.dim().toString();
                default -> null;
            };
            if (shown != null) parts.add(ExprText.of(side) + " is " + shown);
        }
        return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
    }

    // ---------------------------------------------------------------- expressions

    public Val eval(Expr e, Scope scope) {
        return switch (e) {
            case Expr.IntLit i -> new Val.Int(i.value());
            case Expr.FloatLit f -> new Val.Float(f.value());
            case Expr.StrLit s -> new Val.Str(s.value());
            case Expr.BoolLit b -> new Val.Bool(b.value());
            case Expr.NoneLit n -> Val.NONE;
            case Expr.DTypeLit d -> new Val.DTypeV(strata.compiler.graph.DType.parse(d.dtype()));
            case Expr.Name n -> name(n, scope);
            case Expr.Binary b -> {
                Val l = eval(b.left(), scope);
                if (b.op().equals("and") && l instanceof Val.Bool lb && !lb.value()) yield l;
                if (b.op().equals("or") && l instanceof Val.Bool lb && lb.value()) yield l;
                yield ops.binary(b.op(), l, eval(b.right(), scope), b);
            }
            case Expr.Unary u -> ops.unary(u.op(), eval(u.operand(), scope), u.span());
            case Expr.Call c -> callExpr(c, scope);
            case Expr.Index ix -> indexing.index(eval(ix.target(), scope), ix, scope);
            case Expr.Member m -> member(eval(m.target(), scope), m);
            case Expr.Transpose t -> ops.transpose(eval(t.operand(), scope), t.span());
            case Expr.Repeat r -> repeat(r, scope, "layers");
            case Expr.If i -> {
                Val c = eval(i.cond(), scope);
                if (c instanceof Val.Bool b) yield eval(b.value() ? i.then() : i.otherwise(), scope);
                if (c instanceof Val.Tensor) yield builtins.where(c, eval(i.then(), scope), eval(i.otherwise(), scope), i.span());
                if (c instanceof Val.Poison) yield c;
                throw new CompileError(i.cond().span(), "a condition must be a bool, got " + Val.describe(c));
            }
            case Expr.Route r -> route(r, scope);
            case Expr.Tuple t -> new Val.Tuple(t.items().stream().map(x -> eval(x, scope)).toList());
            case Expr.ListLit l -> new Val.Tuple(l.items().stream().map(x -> eval(x, scope)).toList());
        };
    }

    private Val name(Expr.Name n, Scope scope) {
        Val v = scope.lookup(n.name(), n.span());
        // remember where the user named a mask, so that a misuse found deep inside attention is reported here
        if (v instanceof Val.Mask m && m.mask() instanceof MaskValue.Def d && d.use() == null) return new Val.Mask(d.at(n.span()));
        if (v != null) return v;
        if (Builtins.NAMES.contains(n.name())) return new Val.Builtin(n.name());
        if (n.name().matches("(f|i|u|bf|float|int|uint|bfloat)[0-9]+|double|half"))
            throw new CompileError(n.span(), "unknown dtype `" + n.name() + "`", "the dtypes are f32, bf16, f16, i32, i64 and bool");
        String near = Spelling.nearest(n.name(), scope.visibleNames(), Builtins.NAMES);
        throw new CompileError(n.span(), "unknown name `" + n.name() + "`", near == null ? null : "did you mean `" + near + "`?");
    }

    private Val member(Val target, Expr.Member m) {
        return switch (target) {
            case Val.Part p -> {
                Val v = p.instance().scope().own(m.name(), m.span());
                if (v == null)
                    throw new CompileError(m.span(), "part " + p.instance().def().name() + " has no member `" + m.name() + "`",
                            hintFor(m.name(), p.instance().scope().ownNames()));
                yield v;
            }
            case Val.Tensor t when m.name().equals("shape") ->
                    new Val.Tuple(t.value().type().shape().stream().map(ops::dimVal).toList());
            case Val.Tensor t when m.name().equals("dtype") -> new Val.DTypeV(t.value().type().dtype());
            case Val.Poison p -> p;
            default -> throw new CompileError(m.span(), Val.describe(target) + " has no member `" + m.name() + "`");
        };
    }

    private static String hintFor(String name, java.util.Set<String> names) {
        String near = Spelling.nearest(name, names, java.util.Set.of());
        return near == null ? "its members are " + String.join(", ", names) : "did you mean `" + near + "`?";
    }

    private Val callExpr(Expr.Call c, Scope scope) {
        Val callee = eval(c.callee(), scope);
        List<Val> args = new ArrayList<>();
        Map<String, Val> named = new LinkedHashMap<>();
        for (Expr.Arg a : c.args()) {
            Val v = eval(a.value(), scope);
            if (a.name() == null) {
                if (!named.isEmpty()) throw new CompileError(a.span(), "a positional argument cannot follow a named one");
                args.add(v);
            } else if (named.put(a.name(), v) != null) throw new CompileError(a.span(), "argument `" + a.name() + "` is given twice");
        }
        return call(callee, args, named, c);
    }

    /** Calls a value: a function, a built-in, a component (giving a factory), a part, a slot or a mask. */
    Val call(Val callee, List<Val> args, Map<String, Val> named, Expr.Call site) {
        Span span = site.span();
        for (Val a : args) if (a instanceof Val.Poison) return a;
        for (Val a : named.values()) if (a instanceof Val.Poison) return a;
        return switch (callee) {
            case Val.Builtin b -> builtins.call(b.name(), args, named, site);
            case Val.Fn f -> callFn(f, args, named, span);
            case Val.Component c -> new Val.Factory(c.def(), args, named);
            case Val.Factory f -> {
                Instance inst = parts.make(f, naming.peek().fresh(Spelling.snake(f.def().name())), span);
                yield parts.apply(inst, args, named, span);
            }
            case Val.Part p -> parts.apply(p.instance(), args, named, span);
            case Val.Slot s -> parts.callSlot(s, args, named, span);
            case Val.Mask m -> masks().apply(m, args, named, span);
            case Val.Poison p -> p;
            default -> throw new CompileError(site.callee().span(), Val.describe(callee) + " cannot be called");
        };
    }

    /** How deeply function calls may nest; deeper is a function that calls itself without end. */
    static final int MAX_CALL_DEPTH = 64;
    private int callDepth;

    Val callFn(Val.Fn f, List<Val> args, Map<String, Val> named, Span span) {
        Decl.Fn d = f.decl();
        if (callDepth >= MAX_CALL_DEPTH)
            throw new CompileError(span, "`" + d.name() + "` calls itself without end (" + MAX_CALL_DEPTH + " nested calls)",
                    "a function cannot recurse; to stack layers use repeat n: " + d.name() + "(x)");
        Scope s = new Scope(f.scope());
        Signatures.bindParams("`" + d.name() + "`", d.params(), args, named, s, this, span, new LinkedHashMap<>());
        Val r;
        callDepth++;
        try {
            r = run(d.body(), s);
        } finally {
            callDepth--;
        }
        if (d.result() != null) Signatures.checkResult("`" + d.name() + "`", d.result(), r, s, this, span, new LinkedHashMap<>());
        return r;
    }

    private Masks masks;

    Masks masks() {
        if (masks == null) masks = new Masks(this);
        return masks;
    }

    // ---------------------------------------------------------------- repeat and route

    /**
     * {@code repeat n: f(x, extra...)} threads x through n applications of f; the parts that f
     * makes are named {@code target.i.*}, or {@code target.*} once for all when shared.
     */
    private Val repeat(Expr.Repeat r, Scope scope, String target) {
        long n = intOf(eval(r.count(), scope), r.count().span());
        if (!(r.body() instanceof Expr.Call c) || c.args().isEmpty())
            throw new CompileError(r.body().span(), "repeat needs a call whose first argument is threaded through, e.g. repeat layers: Block(x)");
        Val f = eval(c.callee(), scope);
        List<Val> args = new ArrayList<>();
        Map<String, Val> named = new LinkedHashMap<>();
        for (Expr.Arg a : c.args()) {
            if (a.name() == null) args.add(eval(a.value(), scope));
            else named.put(a.name(), eval(a.value(), scope));
        }
        if (n < 0) throw new CompileError(r.count().span(), "cannot repeat a negative number of times (" + n + ")");
        Val x = args.getFirst();
        for (long i = 0; i < n; i++) {
            naming.push(naming.peek().nested(r.shared() ? target : target + "." + i));
            try {
                List<Val> a = new ArrayList<>(args);
                a.set(0, x);
                x = call(f, a, named, c);
            } finally {
                naming.pop();
            }
        }
        return x;
    }

    /** {@code route w { a; b; c }} = w[.., 0:1] * a + w[.., 1:2] * b + w[.., 2:3] * c. */
    private Val route(Expr.Route r, Scope scope) {
        Val w = eval(r.weights(), scope);
        if (!(w instanceof Val.Tensor wt)) {
            if (w instanceof Val.Poison) return w;
            throw new CompileError(r.weights().span(), "route weights must be a tensor, got " + Val.describe(w));
        }
        var last = wt.value().type().dim(-1);
        if (!last.isConstant() || last.value() != r.branches().size())
            throw new CompileError(r.weights().span(), "route has " + r.branches().size() + " branches but its weights "
                    + wt.value().type() + " have " + last + " on the last axis", "the weights need one column per branch");
        Val sum = null;
        for (int i = 0; i < r.branches().size(); i++) {
            Val b = eval(r.branches().get(i), scope);
            Val wi = ops.sliceAxis(wt, -1, i, i + 1, r.span());
            Val term = ops.binary("*", wi, b, r);
            sum = sum == null ? term : ops.binary("+", sum, term, r);
        }
        return sum;
    }

    // ---------------------------------------------------------------- conversions

    long intOf(Val v, Span span) {
        return switch (v) {
            case Val.Poison p -> throw CompileError.alreadyReported();
            case Val.Int i -> i.value();
            case Val.DimV d when d.dim().isConstant() -> d.dim().value();
            default -> throw new CompileError(span, "expected an integer known at compile time, got " + Val.describe(v));
        };
    }

    double floatOf(Val v, Span span) {
        return switch (v) {
            case Val.Poison p -> throw CompileError.alreadyReported();
            case Val.Int i -> i.value();
            case Val.Float f -> f.value();
            case Val.DimV d when d.dim().isConstant() -> d.dim().value();
            default -> throw new CompileError(span, "expected a number known at compile time, got " + Val.describe(v));
        };
    }

    strata.compiler.graph.Dim dimOf(Val v, Span span) {
        return switch (v) {
            case Val.Poison p -> throw CompileError.alreadyReported();
            case Val.Int i -> strata.compiler.graph.Dim.of(i.value());
            case Val.DimV d -> d.dim();
            default -> throw new CompileError(span, "expected a dimension (an integer or a symbol such as T), got " + Val.describe(v));
        };
    }
}
