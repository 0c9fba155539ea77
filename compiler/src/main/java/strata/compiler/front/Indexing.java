package strata.compiler.front;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Value;
import strata.grammar.CompileError;
import strata.grammar.Span;
import strata.grammar.ast.Expr;

/** Indexing a tensor or a tuple: what {@code x[i, lo:hi, .., none, ids]} means, as graph ops. */
final class Indexing {
    private final Evaluator ev;

    Indexing(Evaluator ev) { this.ev = ev; }

    /**
     * Indexing: an integer picks (and drops) an axis, {@code lo:hi:step} slices, an integer tensor
     * gathers, {@code none} inserts an axis of 1 and {@code ..} stands for the axes not named.
     * Tuples (such as {@code x.shape}) index with an integer.
     */
    Val index(Val target, Expr.Index ix, Scope scope) {
        if (target instanceof Val.Poison) return target;
        if (target instanceof Val.Tuple tup) {
            if (ix.items().size() != 1 || !(ix.items().getFirst() instanceof Expr.At at))
                throw new CompileError(ix.span(), "a tuple takes one integer index");
            long i = ev.intOf(ev.eval(at.index(), scope), at.span());
            long n = tup.items().size();
            if (i < -n || i >= n) throw new CompileError(at.span(), "index " + i + " is out of range for a tuple of " + n);
            return tup.items().get((int) (i < 0 ? i + n : i));
        }
        if (!(target instanceof Val.Tensor t0)) throw new CompileError(ix.target().span(), Val.describe(target) + " cannot be indexed");
        List<Object> items = new ArrayList<>();
        int consuming = 0;
        boolean rest = false;
        for (Expr.IndexItem it : ix.items()) {
            switch (it) {
                case Expr.Rest r -> {
                    if (rest) throw new CompileError(r.span(), "`..` may appear once in an index");
                    rest = true;
                    items.add(r);
                }
                case Expr.Range r -> {
                    consuming++;
                    items.add(r);
                }
                case Expr.At a -> {
                    Val v = ev.eval(a.index(), scope);
                    if (v instanceof Val.Poison) return v;
                    if (!(v instanceof Val.None)) consuming++;
                    items.add(v);
                    items.add(a.span());
                }
            }
        }
        Value x = t0.value();
        int rank = x.type().rank();
        if (consuming > rank) throw new CompileError(ix.span(), "too many indices (" + consuming + ") for " + x.type());
        int axis = 0;
        List<Integer> squeeze = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Object it = items.get(i);
            if (it instanceof Expr.Rest) {
                axis += rank - consuming;
                continue;
            }
            if (it instanceof Expr.Range r) {
                Dim size = x.type().dim(axis);
                Dim lo = r.lo() == null ? Dim.of(0) : bound(ev.eval(r.lo(), scope), size, r.span());
                Dim hi = r.hi() == null ? size : bound(ev.eval(r.hi(), scope), size, r.span());
                long step = r.step() == null ? 1 : ev.intOf(ev.eval(r.step(), scope), r.step().span());
                x = ev.ops.slice(x, axis, lo, hi, step, r.span()).value();
                axis++;
                continue;
            }
            Val v = (Val) it;
            Span sp = (Span) items.get(++i);
            switch (v) {
                case Val.None n -> {
                    List<Dim> s = new ArrayList<>(x.type().shape());
                    s.add(axis, Dim.of(1));
                    x = ev.ops.reshape(x, s, sp).value();
                    axis++;
                    rank++;
                    consuming++;
                }
                case Val.Tensor idx -> {
                    if (!idx.value().type().dtype().isInteger())
                        throw new CompileError(sp, "a tensor index must hold integers, got " + idx.value().type(), "a bool mask selects with where(mask, a, b)");
                    x = ev.graph.op(OpKind.GATHER, List.of(x, idx.value()), Map.of("axis", new Attr.Int(axis)));
                    int added = idx.value().type().rank();
                    axis += added;
                    rank += added - 1;
                    consuming += added - 1;
                }
                default -> {
                    Dim size = x.type().dim(axis);
                    Dim at = bound(v, size, sp);
                    x = ev.ops.slice(x, axis, at, at.plus(Dim.of(1)), 1, sp).value();
                    squeeze.add(axis);
                    axis++;
                }
            }
        }
        if (!squeeze.isEmpty()) {
            List<Dim> s = new ArrayList<>();
            for (int i = 0; i < x.type().rank(); i++) if (!squeeze.contains(i)) s.add(x.type().dim(i));
            x = ev.ops.reshape(x, s, ix.span()).value();
        }
        return new Val.Tensor(x);
    }

    /** A bound of an index or slice; a negative constant counts from the end. */
    private Dim bound(Val v, Dim size, Span span) {
        Dim d = ev.dimOf(v, span);
        if (d.isConstant() && d.value() < 0) d = size.plus(d);
        Dim over = d.minus(size);
        if (over.isConstant() && over.value() > 0) throw new CompileError(span, "index " + d + " is past the size " + size);
        return d;
    }
}
