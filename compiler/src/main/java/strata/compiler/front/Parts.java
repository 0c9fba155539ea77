package strata.compiler.front;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.Dim;
import strata.compiler.graph.TensorType;
import strata.grammar.CompileError;
import strata.grammar.Span;
import strata.grammar.ast.Expr;
import strata.grammar.ast.Member;

/**
 * Making parts from factories, running their forwards, and calling slots. Every part has a
 * path; a part asked for twice at one path (a forward run twice, a shared repeat) is made once.
 */
final class Parts {
    private final Evaluator ev;
    private final Map<String, Instance> byPath = new LinkedHashMap<>();
    private final List<ParamInfo> params = new ArrayList<>();
    /** Where the parts being made were asked for, innermost first. */
    private final java.util.ArrayDeque<Span> making = new java.util.ArrayDeque<>();
    private final java.util.ArrayDeque<ComponentDef> makingDefs = new java.util.ArrayDeque<>();
    private boolean endlessReported;
    /** Hyperparameter values that replace the written defaults, for the root model only. */
    Map<String, Val> rootOverrides = Map.of();
    /** Preset entries for the root model, evaluated among its hyperparameters. */
    Map<String, Expr> rootPreset = Map.of();

    /** A parameter of the model: its full name, type, the part that owns it and its initializer. */
    public record ParamInfo(String name, TensorType type, String owner, String module, String init) {}

    Parts(Evaluator ev) { this.ev = ev; }

    List<ParamInfo> params() { return params; }

    Map<String, Instance> all() { return byPath; }

    Instance make(Val.Factory f, String path, Span span) {
        Instance existing = byPath.get(path);
        if (existing != null) {
            if (existing.def() != f.def())
                throw new CompileError(span, "two different parts are named `" + path + "` (" + existing.def().name() + " and " + f.def().name() + ")");
            return existing;
        }
        ComponentDef def = f.def();
        Scope scope = new Scope(ev.globals);
        Instance inst = new Instance(path, def, scope);
        if (making.size() >= Evaluator.MAX_CALL_DEPTH) throw endlessNesting();
        byPath.put(path, inst);
        making.push(span);
        makingDefs.push(def);
        try {
            makeMembers(f, inst, span);
        } finally {
            making.pop();
            makingDefs.pop();
        }
        return inst;
    }

    private void makeMembers(Val.Factory f, Instance inst, Span span) {
        ComponentDef def = f.def();
        Scope scope = inst.scope();
        Signatures.bindParams("`" + def.name() + "`", def.params(), f.args(), f.named(), scope, ev, span, new LinkedHashMap<>());
        // `module Half extends Scaled(0.5)`: the parent's parameters take the arguments written after it
        for (ComponentDef d = def; d.parent() != null; d = d.parent()) {
            if (d.decl().parentArgs().isEmpty()) continue;
            List<Val> pargs = new ArrayList<>();
            Map<String, Val> pnamed = new LinkedHashMap<>();
            for (var a : d.decl().parentArgs()) {
                Val v = ev.eval(a.value(), scope);
                if (a.name() == null) pargs.add(v);
                else pnamed.put(a.name(), v);
            }
            Signatures.bindParams("`" + d.parent().name() + "` (the parent of " + d.name() + ")", d.parent().params(), pargs, pnamed,
                    scope, ev, d.decl().span(), new LinkedHashMap<>());
        }
        boolean root = inst.path().isEmpty();
        for (Member m : def.members().values()) declare(inst, m, root);
        // requirements first: they state why the parts below could not be made, and stop them
        boolean ok = true;
        for (Member.Requires r : def.requires()) ok &= ev.requireHolds(r.cond(), scope);
        if (!ok) throw CompileError.alreadyReported();
        // make every part and parameter now, in the order written, so that counts include unused ones
        for (Member m : def.members().values()) {
            if (m.name() == null || m instanceof Member.Slot) continue;
            try {
                scope.own(m.name(), m.span());
            } catch (CompileError e) {
                ev.diagnostics.add(e.diagnostic());
            }
        }
    }

    /** Where the innermost part being made was asked for, or null at the root. */
    Span makingSite() { return making.size() > 1 ? making.peek() : null; }

    /** A module that makes a part of its own kind, reported once at the innermost place it does so. */
    private CompileError endlessNesting() {
        if (endlessReported) return CompileError.alreadyReported();
        endlessReported = true;
        Map<ComponentDef, Integer> counts = new java.util.HashMap<>();
        for (ComponentDef d : makingDefs) counts.merge(d, 1, Integer::sum);
        ComponentDef worst = java.util.Collections.max(counts.entrySet(), Map.Entry.comparingByValue()).getKey();
        var spans = making.iterator();
        Span at = making.peek();
        for (ComponentDef d : makingDefs) {
            Span s = spans.next();
            if (d == worst) {
                at = s;
                break;
            }
        }
        return new CompileError(at, "`" + worst.name() + "` makes a `" + worst.name() + "` inside itself without end ("
                + making.size() + " parts deep)", "a module cannot contain a part of its own kind; to stack layers use repeat");
    }

    /** The library's files are not the user's to change: a problem they meet is reported where the user asked for them. */
    private static boolean inLibrary(Span s) { return s.file().startsWith("<library>"); }

    private Span userSpan(Span own) {
        if (!inLibrary(own)) return own;
        for (Span s : making) if (!inLibrary(s)) return s;
        return own;
    }

    private void declare(Instance inst, Member m, boolean root) {
        Scope s = inst.scope();
        switch (m) {
            case Member.Hyper h -> {
                if (root && rootOverrides.containsKey(h.name())) {
                    Val given = rootOverrides.get(h.name());
                    s.bindLazy(h.name(), h.span(), () -> h.type() == null ? given : Signatures.check("--set " + h.name(),
                            new strata.grammar.ast.Param(h.span(), h.name(), h.type(), null), given, s, ev, h.span(), new LinkedHashMap<>()));
                }
                else if (root && rootPreset.containsKey(h.name())) {
                    Expr e = rootPreset.get(h.name());
                    s.bindLazy(h.name(), e.span(), () -> hyperValue(new Member.Hyper(e.span(), h.name(), h.type(), e), s));
                } else s.bindLazy(h.name(), h.span(), () -> hyperValue(h, s));
            }
            case Member.Input in -> s.bindLazy(in.name(), in.span(), () -> {
                if (!root) throw new CompileError(in.span(), "only a model has inputs; a module takes its tensors as forward parameters");
                return input(in, s);
            });
            case Member.ParamDecl p -> s.bindLazy(p.name(), p.span(), () -> param(inst, p));
            case Member.Slot sl -> s.bind(sl.name(), new Val.Slot(sl, inst.def().slotFillings().get(sl.name()), inst));
            case Member.Bind b -> s.bindLazy(b.name(), b.span(), () -> {
                Val v = ev.eval(b.value(), s);
                if (v instanceof Val.Factory f) return new Val.Part(make(f, inst.child(b.name()), b.span()));
                return v;
            });
            case Member.FnMember f -> s.bind(f.name(), new Val.Fn(f.fn(), s));
            case Member.MaskMember mm -> s.bind(mm.name(), new Val.Mask(new MaskValue.Def(mm.mask(), s, List.of(), false)));
            default -> { }
        }
    }

    private Val hyperValue(Member.Hyper h, Scope s) {
        Val v = ev.eval(h.value(), s);
        if (h.type() != null)
            v = Signatures.check("hyperparameter", new strata.grammar.ast.Param(h.span(), h.name(), h.type(), null), v, s, ev, h.span(), new LinkedHashMap<>());
        return v;
    }

    private Val param(Instance inst, Member.ParamDecl p) {
        Scope s = inst.scope();
        if (p.cond() != null) {
            Val c = ev.eval(p.cond(), s);
            if (!(c instanceof Val.Bool b)) throw new CompileError(p.cond().span(), "a parameter's condition must be a bool, got " + Val.describe(c));
            if (!b.value()) return Val.NONE;
        }
        TypeMatch.Pattern pat = TypeMatch.pattern(p.type(), s, ev);
        if (pat == null) throw new CompileError(p.type().span(), "a parameter needs a tensor type such as f32[d_out, d_in]");
        List<Dim> dims = new ArrayList<>();
        for (TypeMatch.DimPat d : pat.dims()) {
            if (d instanceof TypeMatch.Exact e && e.dim().isConstant()) {
                if (e.dim().value() <= 0) {
                    if (!inLibrary(p.type().span()))
                        throw new CompileError(p.type().span(), "parameter `" + p.name() + "` would have a dimension of " + e.dim().value(),
                                "check the hyperparameters it is computed from");
                    // one message per part (not per parameter), so that a bad size is reported once
                    throw new CompileError(userSpan(p.type().span()), "part `" + inst.path() + "` (" + inst.def().name()
                            + ") would have a parameter with a dimension of " + e.dim().value(),
                            "its `" + p.name() + ": " + Signatures.show(p.type()) + "` gets " + pat.render(Map.of())
                                    + "; check the hyperparameters it is computed from");
                }
                dims.add(e.dim());
            } else throw new CompileError(p.type().span(), "parameter `" + p.name() + "` needs a shape known at compile time, got "
                    + pat.render(Map.of()), "a parameter's shape may use hyperparameters but not B, T or ..");
        }
        TensorType t = new TensorType(pat.dtype(), dims);
        String name = inst.child(p.name());
        String init = p.init() == null ? "zeros" : initText(p.init(), s);
        params.add(new ParamInfo(name, t, inst.path(), inst.def().name(), init));
        return new Val.Tensor(ev.graph.op(strata.compiler.graph.OpKind.PARAM, List.of(),
                Map.of("name", new strata.compiler.graph.Attr.Str(name), "init", new strata.compiler.graph.Attr.Str(init)), t, List.of()));
    }

    /** {@code normal(std)} with std = 0.02 -> "normal(0.02)". */
    private String initText(Expr e, Scope s) {
        return switch (e) {
            case Expr.Name n -> n.name();
            case Expr.Call c when c.callee() instanceof Expr.Name n -> {
                List<String> args = new ArrayList<>();
                for (Expr.Arg a : c.args()) {
                    double v = ev.floatOf(ev.eval(a.value(), s), a.span());
                    args.add((a.name() == null ? "" : a.name() + "=") + v);
                }
                yield n.name() + "(" + String.join(", ", args) + ")";
            }
            default -> throw new CompileError(e.span(), "an initializer is written like normal(0.02), uniform(0.1), zeros or ones");
        };
    }

    /** Runs a part's forward on arguments, its call sites named under the part's path. */
    /** A model input: a graph input of the declared type whose sizes (B, T) become values of the model. */
    Val input(Member.Input in, Scope s) {
        TypeMatch.Pattern p = TypeMatch.pattern(in.type(), s, ev);
        if (p == null) throw new CompileError(in.type().span(), "an input must have a tensor type such as i32[B, T]");
        TensorType t = TypeMatch.symbolic(p, in.type());
        for (Dim d : t.shape())
            for (String sym : d.symbols()) {
                ev.graph.declareSymbol(sym);
                // the sizes an input names (B, T) are values of the model: arange(T), x[:, 0:T]
                if (!s.hasOwn(sym)) s.bind(sym, new Val.DimV(Dim.sym(sym)));
            }
        Val v = new Val.Tensor(ev.graph.input(in.name(), t));
        if (in.requires() != null) {
            Scope withSyms = new Scope(s);
            for (Dim d : t.shape()) for (String sym : d.symbols()) withSyms.bind(sym, new Val.DimV(Dim.sym(sym)));
            withSyms.bind(in.name(), v);
            ev.requireHolds(in.requires(), withSyms);
        }
        return v;
    }

    Val apply(Instance inst, List<Val> args, Map<String, Val> named, Span span) {
        return apply(inst, args, named, span, "`" + inst.def().name() + "`");
    }

    /** @param what how messages name the part, such as "`Linear`" */
    private Val apply(Instance inst, List<Val> args, Map<String, Val> named, Span span, String what) {
        Member.Forward fwd = inst.def().forward();
        if (fwd == null) throw new CompileError(span, inst.def().name() + " has no forward, so it cannot be applied");
        Scope s = new Scope(inst.scope());
        Map<String, Dim> bindings = new LinkedHashMap<>();
        if (fwd.params() != null) Signatures.bindParams(what, fwd.params(), args, named, s, ev, span, bindings);
        else if (!args.isEmpty() || !named.isEmpty())
            throw new CompileError(span, what + " reads its inputs and takes no arguments");
        ev.naming.push(new Naming(inst.path()));
        Val r;
        try {
            r = ev.run(fwd.body(), s);
        } finally {
            ev.naming.pop();
        }
        // a forward that breaks its own declared result is wrong where it is written (unless that is the library)
        if (fwd.result() != null) Signatures.checkResult(what, fwd.result(), r, s, ev, inLibrary(fwd.span()) ? span : fwd.span(), bindings);
        return r;
    }

    /**
     * Calls a slot: checks the arguments against the slot's signature, makes (or calls) the
     * filling, and checks what it gives; a filling that breaks the signature is reported at the
     * filling, naming the slot.
     */
    Val callSlot(Val.Slot slot, List<Val> args, Map<String, Val> named, Span span) {
        Member.Slot sig = slot.slot();
        Scope owner = slot.owner().scope();
        Scope s = new Scope(owner);
        Map<String, Dim> bindings = new LinkedHashMap<>();
        Signatures.bindParams("slot `" + sig.name() + "`", sig.params(), args, named, s, ev, span, bindings);
        Member.Bind filling = slot.filling();
        Val f = ev.eval(filling.value(), owner);
        if (!(f instanceof Val.Factory || f instanceof Val.Component || f instanceof Val.Fn || f instanceof Val.Builtin
                || f instanceof Val.Part || f instanceof Val.Slot || f instanceof Val.Poison))
            throw new CompileError(filling.span(), "slot `" + sig.name() + "` must be filled with a part or a function, but `"
                    + ExprText.of(filling.value()) + "` is " + Val.describe(f), "e.g. " + sig.name() + " = LayerNorm(d)");
        String what = "slot `" + sig.name() + "` expects " + signature(sig) + ", but its filling `" + ExprText.of(filling.value()) + "`";
        Val r = switch (f) {
            case Val.Factory fac -> apply(make(fac, ev.naming.peek().fresh(sig.name()), filling.span()), args, named, filling.span(), what);
            case Val.Component c -> apply(make(new Val.Factory(c.def(), List.of(), Map.of()), ev.naming.peek().fresh(sig.name()), filling.span()),
                    args, named, filling.span(), what);
            case Val.Poison p -> p;
            default -> ev.call(f, args, named, new Expr.Call(filling.span(), filling.value(), List.of()));
        };
        if (r instanceof Val.Poison) return r;
        TypeMatch.Pattern pat = TypeMatch.pattern(sig.result(), s, ev);
        if (pat != null) {
            String why = r instanceof Val.Tensor t ? TypeMatch.match(t.value().type(), pat, bindings) : "it is not a tensor";
            if (why != null)
                throw new CompileError(filling.span(), "slot `" + sig.name() + "` expects " + signature(sig) + "; `"
                        + ExprText.of(filling.value()) + "` gives " + (r instanceof Val.Tensor t ? t.value().type().toString() : Val.describe(r))
                        + " where " + pat.render(bindings) + " is expected", why);
        }
        return r;
    }

    private Val fill(Member.Slot sig, Member.Bind filling, Scope owner, List<Val> args, Map<String, Val> named) {
        Val f = ev.eval(filling.value(), owner);
        return switch (f) {
            case Val.Factory fac -> apply(make(fac, ev.naming.peek().fresh(sig.name()), filling.span()), args, named, filling.span());
            case Val.Component c -> apply(make(new Val.Factory(c.def(), List.of(), Map.of()), ev.naming.peek().fresh(sig.name()), filling.span()),
                    args, named, filling.span());
            case Val.Poison p -> p;
            default -> ev.call(f, args, named, new Expr.Call(filling.span(), filling.value(), List.of()));
        };
    }

    static String signature(Member.Slot s) {
        List<String> ps = new ArrayList<>();
        for (var p : s.params()) ps.add(p.name() + (p.type() == null ? "" : ": " + Signatures.show(p.type())));
        return "(" + String.join(", ", ps) + ") -> " + Signatures.show(s.result());
    }
}
