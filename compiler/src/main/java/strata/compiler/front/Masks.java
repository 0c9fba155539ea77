package strata.compiler.front;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.DType;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.masks.Cell;
import strata.compiler.masks.DataSearch;
import strata.compiler.masks.EmptyRows;
import strata.grammar.CompileError;
import strata.grammar.Span;
import strata.grammar.ast.Param;

/**
 * Masks and score modifiers: binding their data ({@code padding(len)}) and elaborating them into
 * the scalar regions of an attention op, over (b, h, q, k) and, for a score, s.
 */
final class Masks {
    static final List<String> MASK_INDICES = List.of("b", "h", "q", "k");
    static final List<String> SCORE_INDICES = List.of("b", "h", "q", "k", "s");

    private final Evaluator ev;

    Masks(Evaluator ev) { this.ev = ev; }

    /** {@code padding(len)}: binds a mask's data parameters. */
    Val apply(Val.Mask m, List<Val> args, Map<String, Val> named, Span span) {
        if (!(m.mask() instanceof MaskValue.Def d) || d.applied())
            throw new CompileError(span, "mask " + m.mask().describe() + " already has its data; it is not called again");
        if (d.def().data().isEmpty())
            throw new CompileError(span, "mask `" + d.def().name() + "` takes no data; use it by name, without parentheses");
        Scope s = new Scope(d.scope());
        Signatures.bindParams((d.isScore() ? "score `" : "mask `") + d.def().name() + "`", d.def().data(), args, named, s, ev, span, new LinkedHashMap<>());
        List<Val> data = new ArrayList<>();
        for (Param p : d.def().data()) data.add(s.own(p.name(), span));
        return new Val.Mask(new MaskValue.Def(d.def(), d.scope(), data, true, span));
    }

    /** The region of an attention op for a mask. */
    Region maskRegion(MaskValue m, Span span) {
        checkBound(m, span);
        List<TensorType> args = List.of(idx(), idx(), idx(), idx());
        return ev.graph.region("mask", args, vs -> asBool(eval(m, vs, span), span));
    }

    /** The region of an attention op for a score modifier. */
    Region scoreRegion(MaskValue m, DType scoreType, Span span) {
        checkBound(m, span);
        List<TensorType> args = List.of(idx(), idx(), idx(), idx(), TensorType.scalar(scoreType));
        return ev.graph.region("score", args, vs -> {
            Val r = eval(m, vs, span);
            if (r instanceof Val.Poison) throw CompileError.alreadyReported();
            if (!(r instanceof Val.Tensor t) || t.value().type().rank() != 0)
                throw new CompileError(span, "a score modifier must give a scalar score, got " + Val.describe(r));
            return ev.ops.cast(t.value(), scoreType);
        });
    }

    /**
     * Rejects a mask that can leave a query with no visible key, unless the model states the
     * fallback ({@code empty = zeros}); the condition found ({@link EmptyRows}) is the message.
     */
    void checkNoEmptyRows(MaskValue m, Region region, boolean selfAttention, strata.compiler.graph.Dim heads, Span span) {
        EmptyRows.Verdict v = EmptyRows.check(region, selfAttention, heads.isConstant() ? Math.min(heads.value(), 8) : 1);
        if (!v.canBeEmpty()) return;
        Cell c = v.row();
        String data = c.data().tensors().isEmpty() ? "" : " and " + DataSearch.describe(c.data(), dataNames(m, new HashMap<>()));
        throw new CompileError(m.use() != null ? m.use() : span, "mask " + m.describe() + " can leave a query with no visible key: with T = "
                + c.t() + data + ", query " + c.q() + " sees no key", "state what such a row gives: attention(..., empty = zeros)");
    }

    /** The data parameters' names, by the graph value bound to them. */
    private static Map<Value, String> dataNames(MaskValue m, Map<Value, String> out) {
        switch (m) {
            case MaskValue.Def d -> {
                for (int i = 0; i < d.data().size(); i++)
                    if (d.data().get(i) instanceof Val.Tensor t) out.putIfAbsent(t.value(), d.def().data().get(i).name());
            }
            case MaskValue.And a -> { dataNames(a.left(), out); dataNames(a.right(), out); }
            case MaskValue.Or o -> { dataNames(o.left(), out); dataNames(o.right(), out); }
            case MaskValue.Not n -> dataNames(n.inner(), out);
        }
        return out;
    }

    private static TensorType idx() { return TensorType.scalar(DType.I64); }

    private void checkBound(MaskValue m, Span span) {
        switch (m) {
            case MaskValue.Def d when d.needsData() -> {
                Param p = d.def().data().getFirst();
                throw new CompileError(d.use() != null ? d.use() : span, (d.isScore() ? "score `" : "mask `") + d.def().name() + "` needs `" + p.name()
                        + (p.type() == null ? "" : ": " + Signatures.show(p.type())) + "`; none is bound",
                        "pass it, e.g. " + d.def().name() + "(" + Signatures.names(d.def().data()) + ")");
            }
            case MaskValue.And a -> { checkBound(a.left(), span); checkBound(a.right(), span); }
            case MaskValue.Or o -> { checkBound(o.left(), span); checkBound(o.right(), span); }
            case MaskValue.Not n -> checkBound(n.inner(), span);
            default -> { }
        }
    }

    private Val eval(MaskValue m, List<Value> indices, Span span) {
        return switch (m) {
            case MaskValue.Def d -> {
                Scope s = new Scope(d.scope());
                for (int i = 0; i < d.def().data().size(); i++) s.bind(d.def().data().get(i).name(), d.data().get(i));
                List<String> allowed = d.isScore() ? SCORE_INDICES : MASK_INDICES;
                for (String n : d.def().indices()) {
                    int at = allowed.indexOf(n);
                    if (at < 0)
                        throw new CompileError(d.def().span(), (d.isScore() ? "score `" : "mask `") + d.def().name() + "` names the index `" + n
                                + "`; the indices are " + String.join(", ", allowed), "write e.g. (b, q, k)");
                    s.bind(n, new Val.Tensor(indices.get(at)));
                }
                yield ev.eval(d.def().body(), s);
            }
            case MaskValue.And a -> combine(OpKind.AND, eval(a.left(), indices, span), eval(a.right(), indices, span), span);
            case MaskValue.Or o -> combine(OpKind.OR, eval(o.left(), indices, span), eval(o.right(), indices, span), span);
            case MaskValue.Not n -> new Val.Tensor(ev.graph.op(OpKind.NOT, asBool(eval(n.inner(), indices, span), span)));
        };
    }

    private Val combine(OpKind k, Val a, Val b, Span span) {
        return new Val.Tensor(ev.graph.op(k, asBool(a, span), asBool(b, span)));
    }

    private Value asBool(Val v, Span span) {
        return switch (v) {
            case Val.Poison p -> throw CompileError.alreadyReported();
            case Val.Bool b -> ev.graph.constant(b.value() ? 1 : 0, TensorType.scalar(DType.BOOL));
            case Val.Tensor t when t.value().type().dtype() == DType.BOOL && t.value().type().rank() == 0 -> t.value();
            default -> throw new CompileError(span, "a mask must be a bool for each (b, h, q, k), got " + Val.describe(v));
        };
    }
}
