package strata.compiler.front;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.Value;
import strata.grammar.CompileError;
import strata.grammar.Diagnostic;
import strata.grammar.Diagnostics;
import strata.grammar.Program;
import strata.grammar.Span;
import strata.grammar.ast.Decl;
import strata.grammar.ast.Expr;
import strata.grammar.ast.Member;
import strata.grammar.ast.Param;

/**
 * Builds the graph of a model: binds the program's declarations, applies a preset and
 * {@code --set} values to the model's hyperparameters, makes its parts and runs its forward.
 * Type and shape errors are diagnostics with the source span that caused them.
 */
public final class Elaborator {
    /** What elaboration produced; graph is null when there were errors. */
    public record Result(Graph graph, List<Parts.ParamInfo> params, Map<String, Val> hypers, String model, String preset,
                         List<SizeRequirement> requirements, Map<String, TrainSetting> training) {
        public Result(Graph graph, List<Parts.ParamInfo> params, Map<String, Val> hypers, String model, String preset) {
            this(graph, params, hypers, model, preset, List.of(), Map.of());
        }

        /** The requirements these sizes break, described; empty when they all hold. */
        public List<String> broken(Map<String, Long> sizes) {
            List<String> out = new ArrayList<>();
            for (SizeRequirement r : requirements) if (!r.holds(sizes)) out.add("requires " + r.describe());
            return out;
        }
    }

    /** One entry of a training recipe, evaluated among the model's hyperparameters, with where it is written. */
    public record TrainSetting(Val value, Span span) {}

    private final Program program;
    private final Diagnostics diagnostics;
    private final Scope globals = new Scope(null);
    private final Map<String, ComponentDef> defs = new LinkedHashMap<>();
    private final List<String> resolving = new ArrayList<>();

    public Elaborator(Program program, Diagnostics diagnostics) {
        this.program = program;
        this.diagnostics = diagnostics;
    }

    /** The models of the main file, in order. */
    public List<String> models() {
        List<String> out = new ArrayList<>();
        for (Decl d : program.main().decls()) if (d instanceof Decl.Component c && c.isModel()) out.add(c.name());
        return out;
    }

    /** The definition of a component, with what it extends folded in. */
    public ComponentDef definition(String name, Span use) {
        ComponentDef done = defs.get(name);
        if (done != null) return done;
        if (!(program.decls().get(name) instanceof Decl.Component c)) {
            String near = Spelling.nearest(name, program.decls().keySet(), List.of());
            throw new CompileError(use, "unknown model or module `" + name + "`",
                    near != null ? "did you mean `" + near + "`?" : "is an import missing? (e.g. import gpt2)");
        }
        if (resolving.contains(name))
            throw new CompileError(c.span(), "`" + name + "` extends itself: " + String.join(" -> ", resolving) + " -> " + name);
        resolving.add(name);
        try {
            ComponentDef parent = c.parent() == null ? null : definition(c.parent(), c.span());
            if (parent != null && parent.isModel() != c.isModel())
                throw new CompileError(c.span(), (c.isModel() ? "model " : "module ") + name + " cannot extend "
                        + (parent.isModel() ? "model " : "module ") + parent.name());
            List<Diagnostic> errs = new ArrayList<>();
            ComponentDef def = ComponentDef.of(c, parent, errs);
            errs.forEach(diagnostics::add);
            defs.put(name, def);
            return def;
        } finally {
            resolving.remove(name);
        }
    }

    private void bindGlobals() {
        for (Decl d : program.decls().values()) {
            switch (d) {
                case Decl.Component c -> globals.bindLazy(c.name(), c.span(), () -> new Val.Component(definition(c.name(), c.span())));
                case Decl.Fn f -> globals.bind(f.name(), new Val.Fn(f, globals));
                case Decl.MaskDef m -> globals.bind(m.name(), new Val.Mask(new MaskValue.Def(m, globals, List.of(), false)));
                case Decl.Const k -> globals.bindLazy(k.name(), k.span(), () -> new Evaluator(new GraphBuilder("const"), diagnostics, globals).eval(k.value(), globals));
            }
        }
    }

    /**
     * Elaborates a model.
     *
     * @param modelName the model to build, or null for the only (or last) model of the main file
     * @param preset    a preset name, or null for the written defaults
     * @param sets      hyperparameter values that override both, as {@code --set key=value} gives them
     */
    public Result elaborate(String modelName, String preset, Map<String, String> sets) {
        return build(modelName, preset, sets, false, null);
    }

    /**
     * Elaborates a model's training graph: the forward followed by one of its losses; the graph's
     * only output is the scalar loss, and the loss's own inputs (targets, labels) are graph inputs
     * after the model's.
     *
     * @param loss the loss to train, or null for the model's only (or last declared) loss
     */
    public Result elaborateTraining(String modelName, String preset, Map<String, String> sets, String loss) {
        return build(modelName, preset, sets, true, loss);
    }

    private Result build(String modelName, String preset, Map<String, String> sets, boolean training, String lossName) {
        bindGlobals();
        Span fileSpan = new Span(program.main().path(), 1, 1, 1, 1);
        List<String> models = models();
        if (modelName == null) {
            if (models.isEmpty()) {
                diagnostics.error(fileSpan, "this file defines no model", "a model is written `model Name { ... }`");
                return new Result(null, List.of(), Map.of(), null, preset);
            }
            modelName = models.getLast();
        } else if (!(program.decls().get(modelName) instanceof Decl.Component)) {
            diagnostics.error(fileSpan, "--model " + modelName + ": " + program.main().path() + " has no model `" + modelName + "`",
                    models.isEmpty() ? "it defines no model" : "its models are " + String.join(", ", models));
            return new Result(null, List.of(), Map.of(), modelName, preset);
        }
        GraphBuilder gb = new GraphBuilder(graphName(modelName, preset));
        Evaluator ev = new Evaluator(gb, diagnostics, globals);
        try {
            ComponentDef def = definition(modelName, fileSpan);
            if (!def.isModel()) throw new CompileError(def.decl().span(), "`" + modelName + "` is a module; only a model can be built");
            ev.parts.rootPreset = presetEntries(def, preset, header(def));
            ev.parts.rootOverrides = overrides(def, sets, header(def));
            Instance root = ev.parts.make(new Val.Factory(def, List.of(), Map.of()), "", def.decl().span());
            Map<String, Val> hypers = new LinkedHashMap<>();
            for (Member.Hyper h : def.hypers()) {
                Val v = root.scope().own(h.name(), h.span());
                hypers.put(h.name(), v);
            }
            if (def.forward() == null) throw new CompileError(def.decl().span(), "model " + modelName + " has no forward");
            Val out = ev.parts.apply(root, List.of(), Map.of(), def.forward().span());
            List<Value> outputs = new ArrayList<>();
            for (Val v : out instanceof Val.Tuple t ? t.items() : List.of(out)) {
                if (v instanceof Val.Tensor tv) outputs.add(tv.value());
                else if (!(v instanceof Val.Poison))
                    diagnostics.error(def.forward().span(), "a model's forward must return tensors, but it returns " + Val.describe(v));
            }
            if (training && !diagnostics.hasErrors()) outputs = List.of(loss(ev, def, root, out, lossName));
            if (diagnostics.hasErrors()) return new Result(null, ev.parts.params(), hypers, modelName, preset);
            Map<String, TrainSetting> recipe = recipe(ev, def, preset, root);
            if (diagnostics.hasErrors()) return new Result(null, ev.parts.params(), hypers, modelName, preset);
            return new Result(gb.build(outputs), ev.parts.params(), hypers, modelName, preset, List.copyOf(ev.sizeRequirements), recipe);
        } catch (CompileError e) {
            diagnostics.add(e.diagnostic());
            return new Result(null, ev.parts.params(), Map.of(), modelName, preset);
        } catch (StackOverflowError e) {
            // the depth guards on calls and parts should prevent this; say so rather than crash if they do not
            diagnostics.error(fileSpan, "model " + modelName + " nests too deeply to elaborate",
                    "look for a function or part that uses itself");
            return new Result(null, ev.parts.params(), Map.of(), modelName, preset);
        }
    }

    /** The training recipe: the model's {@code train} block, then the preset's (its parents' first), later entries winning. */
    private Map<String, TrainSetting> recipe(Evaluator ev, ComponentDef def, String preset, Instance root) {
        List<Member.Entry> entries = new ArrayList<>();
        if (def.members().get("train") instanceof Member.Train t) entries.addAll(t.entries());
        if (preset != null) presetChain(def, preset, new ArrayList<>()).forEach(p -> entries.addAll(p.train()));
        Map<String, TrainSetting> out = new LinkedHashMap<>();
        for (Member.Entry e : entries) {
            try {
                out.put(e.name(), new TrainSetting(ev.eval(e.value(), root.scope()), e.span()));
            } catch (CompileError err) {
                diagnostics.add(err.diagnostic());
            }
        }
        return out;
    }

    /** A preset and the presets it extends, outermost parent first (cycles are reported by collectPreset). */
    private List<Member.Preset> presetChain(ComponentDef def, String preset, List<Member.Preset> out) {
        Member.Preset p = def.presets().get(preset);
        if (p == null || out.contains(p)) return out;
        if (p.parent() != null) presetChain(def, p.parent(), out);
        out.add(p);
        return out;
    }

    /** Evaluates the chosen loss on the forward's results; its parameters past those results become inputs. */
    private Value loss(Evaluator ev, ComponentDef def, Instance root, Val forwardOut, String lossName) {
        List<Member.Loss> losses = def.losses();
        Span where = header(def);
        if (losses.isEmpty())
            throw new CompileError(where, "model " + def.name() + " has no loss, so it cannot be trained",
                    "declare one, e.g. loss lm(logits, targets: i32[B, T]) = mean(cross_entropy(logits, targets))");
        Member.Loss chosen = losses.getLast();
        if (lossName != null) {
            chosen = losses.stream().filter(l -> l.name().equals(lossName)).findFirst().orElseThrow(() -> new CompileError(where,
                    "model " + def.name() + " has no loss `" + lossName + "`",
                    "its losses are " + String.join(", ", losses.stream().map(Member.Loss::name).toList())));
        }
        Decl.Fn fn = chosen.fn();
        List<Val> results = forwardOut instanceof Val.Tuple t ? t.items() : List.of(forwardOut);
        if (fn.params().size() < results.size())
            throw new CompileError(fn.span(), "loss `" + fn.name() + "` must first take the forward's " + results.size() + " results, but it has "
                    + fn.params().size() + " parameter" + (fn.params().size() == 1 ? "" : "s"),
                    "name one parameter per result, then the training inputs: loss " + fn.name() + "(logits, targets: i32[B, T])");
        List<Val> args = new ArrayList<>(results);
        Scope s = new Scope(root.scope());
        for (Param p : fn.params().subList(results.size(), fn.params().size())) {
            if (p.type() == null)
                throw new CompileError(p.span(), "`" + p.name() + "` comes after the forward's results, so it is a training input and needs a tensor type",
                        "e.g. " + p.name() + ": i32[B, T]");
            if (def.members().get(p.name()) instanceof Member.Input)
                throw new CompileError(p.span(), "`" + p.name() + "` is already an input of " + def.name(), "give the loss's input another name");
            args.add(ev.parts.input(new Member.Input(p.span(), p.name(), p.type(), null), s));
        }
        Val r = ev.callFn(new Val.Fn(fn, root.scope()), args, Map.of(), fn.span());
        if (!(r instanceof Val.Tensor t) || t.value().type().rank() != 0 || t.value().type().dtype() != DType.F32)
            throw new CompileError(fn.span(), "a loss must give a scalar f32, but `" + fn.name() + "` gives " + Val.describe(r),
                    "reduce it, e.g. mean(cross_entropy(logits, targets))");
        return t.value();
    }

    /** The `model Name` words that open a model: where a problem with a command-line option is shown. */
    private static Span header(ComponentDef def) {
        Span s = def.decl().span();
        return new Span(s.file(), s.line(), s.col(), s.line(), s.col() + "model ".length() + def.name().length() - 1);
    }

    private static String graphName(String model, String preset) {
        String n = Spelling.snake(model);
        return preset == null ? n : n + "-" + preset;
    }

    private Map<String, Expr> presetEntries(ComponentDef def, String preset, Span where) {
        Map<String, Expr> out = new LinkedHashMap<>();
        if (preset == null) return out;
        collectPreset(def, preset, where, out, new ArrayList<>());
        return out;
    }

    private void collectPreset(ComponentDef def, String preset, Span where, Map<String, Expr> out, List<String> seen) {
        Member.Preset p = def.presets().get(preset);
        if (p == null)
            throw new CompileError(where, "model " + def.name() + " has no preset `" + preset + "`",
                    def.presets().isEmpty() ? "it defines no presets" : "its presets are " + String.join(", ", def.presets().keySet()));
        if (seen.contains(preset)) throw new CompileError(p.span(), "preset `" + preset + "` extends itself");
        seen.add(preset);
        if (p.parent() != null) collectPreset(def, p.parent(), p.span(), out, seen);
        for (Member.Entry e : p.entries()) {
            if (!(def.members().get(e.name()) instanceof Member.Hyper)) {
                String near = Spelling.nearest(e.name(), def.hypers().stream().map(Member.Hyper::name).toList(), List.of());
                diagnostics.error(e.span(), "preset `" + preset + "` sets `" + e.name() + "`, which is not a hyperparameter of " + def.name(),
                        near != null ? "did you mean `" + near + "`?" : "declare it with `hyper " + e.name() + " = ...`");
                continue;
            }
            out.put(e.name(), e.value());
        }
    }

    private Map<String, Val> overrides(ComponentDef def, Map<String, String> sets, Span where) {
        Map<String, Val> out = new LinkedHashMap<>();
        for (var e : sets.entrySet()) {
            if (!(def.members().get(e.getKey()) instanceof Member.Hyper)) {
                String near = Spelling.nearest(e.getKey(), def.hypers().stream().map(Member.Hyper::name).toList(), List.of());
                diagnostics.error(where, "--set " + e.getKey() + ": " + def.name() + " has no hyperparameter `" + e.getKey() + "`",
                        near != null ? "did you mean `" + near + "`?" : "its hyperparameters are "
                                + String.join(", ", def.hypers().stream().map(Member.Hyper::name).toList()));
                continue;
            }
            Val v = literal(e.getValue());
            if (v instanceof Val.Str) {
                diagnostics.error(where, "--set " + e.getKey() + "=" + e.getValue() + ": a hyperparameter is set to a number or true/false",
                        "e.g. --set " + e.getKey() + "=64");
                continue;
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    /** A {@code --set} value: an integer, a float, true/false, or else a string. */
    static Val literal(String s) {
        String t = s.trim().replace("_", "");
        if (t.equals("true") || t.equals("false")) return new Val.Bool(t.equals("true"));
        try {
            return new Val.Int(Long.parseLong(t));
        } catch (NumberFormatException e) {
            try {
                return new Val.Float(Double.parseDouble(t));
            } catch (NumberFormatException e2) {
                return new Val.Str(s);
            }
        }
    }
}
