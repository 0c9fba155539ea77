package strata.compiler.front;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.ShapeError;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.grammar.CompileError;
import strata.grammar.Span;
import strata.grammar.ast.Expr;

/** The built-in functions of the language: each maps to graph ops or folds at compile time. */
final class Builtins {
    static final Set<String> NAMES = Set.of(
            "attention", "softmax", "layer_norm", "rms_norm", "gelu", "exp", "log", "sqrt", "rsqrt", "tanh", "erf",
            "sigmoid", "abs", "sin", "cos", "max", "min", "sum", "mean", "argmax", "reshape", "permute", "transpose",
            "concat", "cast", "arange", "zeros", "ones", "full", "where", "cross_entropy", "dropout", "ceil", "floor",
            "int", "float", "rank");

    private static final Map<String, OpKind> UNARY = Map.of("exp", OpKind.EXP, "log", OpKind.LOG, "sqrt", OpKind.SQRT,
            "rsqrt", OpKind.RSQRT, "tanh", OpKind.TANH, "erf", OpKind.ERF, "sigmoid", OpKind.SIGMOID, "abs", OpKind.ABS,
            "sin", OpKind.SIN, "cos", OpKind.COS);

    private final Evaluator ev;
    /** Each dropout op gets a seed of its own, so that two dropouts never share a mask. */
    private long dropoutSeeds;

    Builtins(Evaluator ev) { this.ev = ev; }

    /** Arguments in order: positional first, then by name, with defaults. */
    private record Args(String fn, List<Val> pos, Map<String, Val> named, Span span) {
        Val get(int i, String name) {
            if (i < pos.size()) return pos.get(i);
            Val v = named.get(name);
            if (v == null) throw new CompileError(span, fn + " needs `" + name + "`");
            return v;
        }

        Val opt(int i, String name, Val dflt) {
            if (i < pos.size()) return pos.get(i);
            return named.getOrDefault(name, dflt);
        }

        void allow(int maxPositional, String... names) {
            if (pos.size() > maxPositional) throw new CompileError(span, fn + " takes at most " + maxPositional + " positional arguments, got " + pos.size());
            for (String n : named.keySet())
                if (!List.of(names).contains(n))
                    throw new CompileError(span, fn + " has no parameter `" + n + "`", names.length == 0 ? null : "its parameters are " + String.join(", ", names));
        }
    }

    Val call(String name, List<Val> pos, Map<String, Val> named, Expr.Call site) {
        Args a = new Args(name, pos, named, site.span());
        try {
            return dispatch(name, a);
        } catch (ShapeError e) {
            // shape rules often name their op already ("attention: 4 query heads ..."); say it once
            String msg = e.getMessage().startsWith(name + ":") ? e.getMessage() : name + ": " + e.getMessage();
            throw new CompileError(site.span(), msg);
        }
    }

    private Val dispatch(String name, Args a) {
        Span sp = a.span();
        if (UNARY.containsKey(name)) {
            a.allow(1);
            Val x = a.get(0, "x");
            if (x instanceof Val.Tensor) return new Val.Tensor(ev.graph.op(UNARY.get(name), floatTensor(x, sp)));
            double v = ev.floatOf(x, sp);
            return new Val.Float(switch (name) {
                case "exp" -> Math.exp(v);
                case "log" -> Math.log(v);
                case "sqrt" -> Math.sqrt(v);
                case "rsqrt" -> 1 / Math.sqrt(v);
                case "tanh" -> Math.tanh(v);
                case "sigmoid" -> 1 / (1 + Math.exp(-v));
                case "abs" -> Math.abs(v);
                case "sin" -> Math.sin(v);
                case "cos" -> Math.cos(v);
                default -> throw new CompileError(sp, name + " of a number is not defined at compile time");
            });
        }
        return switch (name) {
            case "attention" -> attention(a);
            case "softmax" -> {
                a.allow(2, "x", "axis");
                Value x = floatTensor(a.get(0, "x"), sp);
                yield op(OpKind.SOFTMAX, List.of(x), Map.of("axis", new Attr.Int(axis(a.opt(1, "axis", new Val.Int(-1)), x, sp))));
            }
            case "layer_norm", "rms_norm" -> {
                a.allow(3, "x", "gain", "bias", "eps");
                List<Value> xs = new ArrayList<>();
                xs.add(floatTensor(a.get(0, "x"), sp));
                Val g = a.opt(1, "gain", Val.NONE), b = a.opt(2, "bias", Val.NONE);
                if (!(g instanceof Val.None)) xs.add(floatTensor(g, sp));
                if (!(b instanceof Val.None)) xs.add(floatTensor(b, sp));
                double eps = ev.floatOf(a.opt(99, "eps", new Val.Float(1e-5)), sp);
                yield op(name.equals("layer_norm") ? OpKind.LAYER_NORM : OpKind.RMS_NORM, xs, Map.of("eps", new Attr.Float(eps)));
            }
            case "gelu" -> {
                a.allow(1, "approximate");
                String approx = a.opt(99, "approximate", new Val.Str("erf")) instanceof Val.Str s ? s.value() : "erf";
                if (!approx.equals("erf") && !approx.equals("tanh"))
                    throw new CompileError(sp, "gelu's approximate is \"erf\" or \"tanh\", got \"" + approx + "\"");
                yield op(OpKind.GELU, List.of(floatTensor(a.get(0, "x"), sp)), Map.of("approximate", new Attr.Str(approx)));
            }
            case "max", "min" -> {
                a.allow(2);
                Val x = a.get(0, "a"), y = a.get(1, "b");
                if (x instanceof Val.Tensor || y instanceof Val.Tensor) {
                    Value[] xy = ev.ops.promoted(ev.ops.asTensor(x, y, sp), ev.ops.asTensor(y, x, sp), name, sp);
                    yield new Val.Tensor(ev.graph.op(name.equals("max") ? OpKind.MAX : OpKind.MIN, xy[0], xy[1]));
                }
                if (x instanceof Val.Int i && y instanceof Val.Int j)
                    yield new Val.Int(name.equals("max") ? Math.max(i.value(), j.value()) : Math.min(i.value(), j.value()));
                double p = ev.floatOf(x, sp), q = ev.floatOf(y, sp);
                yield new Val.Float(name.equals("max") ? Math.max(p, q) : Math.min(p, q));
            }
            case "sum", "mean", "argmax" -> reduce(name, a);
            case "reshape" -> {
                a.allow(2);
                Value x = tensor(a.get(0, "x"), sp);
                yield ev.ops.reshape(x, dims(a.get(1, "shape"), x, sp), sp);
            }
            case "permute" -> {
                a.allow(2);
                Value x = tensor(a.get(0, "x"), sp);
                List<Long> perm = new ArrayList<>();
                for (Val v : list(a.get(1, "perm"), sp)) perm.add(ev.intOf(v, sp));
                yield ev.ops.permute(x, perm, sp);
            }
            case "transpose" -> {
                a.allow(3);
                Value x = tensor(a.get(0, "x"), sp);
                int i = axis(a.get(1, "a"), x, sp), j = axis(a.get(2, "b"), x, sp);
                List<Long> perm = new ArrayList<>();
                for (long k = 0; k < x.type().rank(); k++) perm.add(k);
                perm.set(i, (long) j);
                perm.set(j, (long) i);
                yield ev.ops.permute(x, perm, sp);
            }
            case "concat" -> {
                a.allow(1, "axis");
                List<Value> xs = new ArrayList<>();
                for (Val v : list(a.get(0, "xs"), sp)) xs.add(tensor(v, sp));
                if (xs.isEmpty()) throw new CompileError(sp, "concat needs at least one tensor");
                yield op(OpKind.CONCAT, xs, Map.of("axis", new Attr.Int(axis(a.opt(99, "axis", new Val.Int(0)), xs.getFirst(), sp))));
            }
            case "cast" -> {
                a.allow(2);
                Value x = tensor(a.get(0, "x"), sp);
                if (!(a.get(1, "dtype") instanceof Val.DTypeV d)) throw new CompileError(sp, "cast needs a dtype such as f32");
                yield new Val.Tensor(ev.ops.cast(x, d.dtype()));
            }
            case "arange" -> {
                a.allow(1);
                Dim n = ev.dimOf(a.get(0, "n"), sp);
                yield new Val.Tensor(ev.graph.op(OpKind.IOTA, List.of(), Map.of("axis", new Attr.Int(0)),
                        new TensorType(DType.I64, List.of(n)), List.of()));
            }
            case "zeros", "ones", "full" -> {
                a.allow(name.equals("full") ? 2 : 1, "dtype");
                List<Dim> shape = dims(a.get(0, "shape"), null, sp);
                double v = name.equals("zeros") ? 0 : name.equals("ones") ? 1 : ev.floatOf(a.get(1, "value"), sp);
                DType dt = a.opt(99, "dtype", new Val.DTypeV(DType.F32)) instanceof Val.DTypeV d ? d.dtype() : DType.F32;
                yield new Val.Tensor(ev.graph.constant(v, new TensorType(dt, shape)));
            }
            case "where" -> {
                a.allow(3);
                yield where(a.get(0, "cond"), a.get(1, "a"), a.get(2, "b"), sp);
            }
            case "cross_entropy" -> {
                a.allow(2, "ignore_index");
                Map<String, Attr> attrs = new LinkedHashMap<>();
                Val ig = a.named().get("ignore_index");
                if (ig != null) attrs.put("ignore_index", new Attr.Int(ev.intOf(ig, sp)));
                yield op(OpKind.CROSS_ENTROPY, List.of(floatTensor(a.get(0, "logits"), sp), tensor(a.get(1, "targets"), sp)), attrs);
            }
            case "dropout" -> {
                a.allow(2, "p");
                Val x = a.get(0, "x");
                double p = ev.floatOf(a.opt(1, "p", new Val.Float(0.1)), sp);
                if (p < 0 || p >= 1) throw new CompileError(sp, "dropout probability must be in [0, 1), got " + p);
                if (p == 0) yield x;
                yield op(OpKind.DROPOUT, List.of(floatTensor(x, sp)), Map.of("p", new Attr.Float(p), "seed", new Attr.Int(++dropoutSeeds)));
            }
            case "ceil", "floor" -> {
                double v = ev.floatOf(a.get(0, "x"), sp);
                yield new Val.Int((long) (name.equals("ceil") ? Math.ceil(v) : Math.floor(v)));
            }
            case "int" -> new Val.Int((long) ev.floatOf(a.get(0, "x"), sp));
            case "float" -> new Val.Float(ev.floatOf(a.get(0, "x"), sp));
            case "rank" -> new Val.Int(tensor(a.get(0, "x"), sp).type().rank());
            default -> throw new CompileError(sp, "unknown built-in " + name);
        };
    }

    private Val reduce(String name, Args a) {
        Span sp = a.span();
        a.allow(2, "axis", "keepdims");
        Value x = tensor(a.get(0, "x"), sp);
        Val ax = a.opt(1, "axis", Val.NONE);
        List<Long> axes = new ArrayList<>();
        if (ax instanceof Val.None) for (long i = 0; i < x.type().rank(); i++) axes.add(i);
        else if (ax instanceof Val.Tuple t) for (Val v : t.items()) axes.add((long) axis(v, x, sp));
        else axes.add((long) axis(ax, x, sp));
        boolean keep = a.opt(99, "keepdims", new Val.Bool(false)) instanceof Val.Bool b && b.value();
        Map<String, Attr> attrs = Map.of("axes", new Attr.Ints(axes), "keepdims", new Attr.Bool(keep));
        if (name.equals("argmax")) return op(OpKind.ARGMAX, List.of(x), attrs);
        Value s = ev.graph.op(OpKind.SUM, List.of(x), attrs);
        if (name.equals("sum")) return new Val.Tensor(s);
        Dim n = Dim.of(1);
        List<Dim> reduced = new ArrayList<>();
        for (long i : axes) {
            n = n.times(x.type().dim((int) i));
            reduced.add(x.type().dim((int) i));
        }
        if (n.isConstant()) return new Val.Tensor(ev.graph.op(OpKind.DIV, s, ev.graph.constant(n.value(), TensorType.scalar(x.type().dtype()))));
        // a symbolic count (B * T) is known only at run time: count the reduced elements as a sum of ones
        Value ones = ev.graph.constant(1, new TensorType(x.type().dtype(), reduced));
        Value count = ev.graph.op(OpKind.SUM, List.of(ones), Map.of("axes", new Attr.Ints(java.util.stream.LongStream.range(0, reduced.size()).boxed().toList()), "keepdims", new Attr.Bool(false)));
        return new Val.Tensor(ev.graph.op(OpKind.DIV, s, count));
    }

    Val where(Val c, Val x, Val y, Span sp) {
        Value cond = tensor(c, sp);
        if (cond.type().dtype() != DType.BOOL) throw new CompileError(sp, "where needs a bool condition, got " + cond.type());
        Value[] xy = ev.ops.promoted(ev.ops.asTensor(x, y, sp), ev.ops.asTensor(y, x, sp), "where", sp);
        return new Val.Tensor(ev.graph.op(OpKind.SELECT, cond, xy[0], xy[1]));
    }

    /** attention(q, k, v, mask = m, score = s, scale = f). */
    private Val attention(Args a) {
        Span sp = a.span();
        a.allow(3, "mask", "score", "scale", "empty");
        Value q = floatTensor(a.get(0, "q"), sp), k = floatTensor(a.get(1, "k"), sp), v = floatTensor(a.get(2, "v"), sp);
        List<TensorType> types = List.of(q.type(), k.type(), v.type());
        strata.compiler.graph.ShapeRules.infer(OpKind.ATTENTION, types, Map.of(), null);
        Dim d = q.type().dim(3);
        double scale = a.named().containsKey("scale") ? ev.floatOf(a.named().get("scale"), sp)
                : d.isConstant() ? 1.0 / Math.sqrt(d.value()) : 1.0;
        List<Region> regions = new ArrayList<>();
        Val m = a.named().getOrDefault("mask", Val.NONE);
        if (m instanceof Val.Mask mm) {
            if (mm.mask().isScore())
                throw new CompileError(mm.mask().use() != null ? mm.mask().use() : sp, mm.mask().describe()
                        + " is a score modifier, but it is passed as a mask", "pass it as score = ...; a mask gives a bool per (b, h, q, k)");
            Region region = ev.masks().maskRegion(mm.mask(), sp);
            regions.add(region);
            if (!zerosWhenEmpty(a.named().getOrDefault("empty", Val.NONE), sp))
                ev.masks().checkNoEmptyRows(mm.mask(), region, q.type().dim(2).equals(k.type().dim(2)), q.type().dim(1), sp);
        } else if (!(m instanceof Val.None)) throw new CompileError(sp, "attention's mask must be a mask, got " + Val.describe(m));
        Val s = a.named().getOrDefault("score", Val.NONE);
        if (s instanceof Val.Mask ms) {
            if (!ms.mask().isScore())
                throw new CompileError(ms.mask().use() != null ? ms.mask().use() : sp, ms.mask().describe()
                        + " is a mask, but it is passed as a score modifier", "pass it as mask = ...");
            regions.add(ev.masks().scoreRegion(ms.mask(), q.type().dtype(), sp));
        } else if (!(s instanceof Val.None)) throw new CompileError(sp, "attention's score must be a score modifier, got " + Val.describe(s));
        Map<String, Attr> attrs = new java.util.HashMap<>(Map.of("scale", new Attr.Float(scale)));
        if (zerosWhenEmpty(a.named().getOrDefault("empty", Val.NONE), sp)) attrs.put("empty", new Attr.Str("zeros"));
        // the mask as the user wrote it, for pictures and messages about it
        if (m instanceof Val.Mask mm) attrs.put("mask_name", new Attr.Str(mm.mask().describe().replace("`", "")));
        return new Val.Tensor(ev.graph.op(OpKind.ATTENTION, List.of(q, k, v), attrs, null, regions));
    }

    /** {@code empty = zeros}: the model states that a query row with no visible key gives zeros. */
    private static boolean zerosWhenEmpty(Val e, Span sp) {
        if (e instanceof Val.None) return false;
        if (e instanceof Val.Builtin b && b.name().equals("zeros")) return true;
        throw new CompileError(sp, "attention's empty must be zeros (what a query that sees no key gives), got " + Val.describe(e));
    }

    private Val op(OpKind k, List<Value> xs, Map<String, Attr> attrs) {
        return new Val.Tensor(ev.graph.op(k, xs, attrs));
    }

    private Value tensor(Val v, Span sp) {
        if (v instanceof Val.Tensor t) return t.value();
        throw new CompileError(sp, "expected a tensor, got " + Val.describe(v));
    }

    private Value floatTensor(Val v, Span sp) {
        Value t = tensor(v, sp);
        if (!t.type().dtype().isFloat()) throw new CompileError(sp, "expected a float tensor, got " + t.type(), "convert with cast(x, f32)");
        return t;
    }

    private List<Val> list(Val v, Span sp) {
        if (v instanceof Val.Tuple t) return t.items();
        throw new CompileError(sp, "expected a list such as [0, 2, 1, 3], got " + Val.describe(v));
    }

    private List<Dim> dims(Val v, Value like, Span sp) {
        List<Dim> out = new ArrayList<>();
        for (Val x : list(v, sp)) out.add(ev.dimOf(x, sp));
        return out;
    }

    private int axis(Val v, Value x, Span sp) {
        long a = ev.intOf(v, sp);
        int r = x.type().rank();
        if (a < -r || a >= r) throw new CompileError(sp, "axis " + a + " is out of range for " + x.type());
        return (int) (a < 0 ? a + r : a);
    }
}
