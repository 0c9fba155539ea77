package strata.compiler.lower;

import static strata.compiler.lower.Nest.*;

import java.util.ArrayList;
import java.util.List;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Op;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.KStmt;
import strata.compiler.kernel.Kernel;
import strata.compiler.kernel.ScalarOp;

/**
 * Movement ops as copy kernels over the result's shape (reshape needs none: the runtime aliases
 * it). Bounds are symbolic where the graph's are, evaluated from the sizes at run time. Indices
 * read from tensors never address memory outside a buffer: gather clamps an index to the table
 * ({@code min(max(i, 0), n - 1)}, where the interpreter throws), and scatter_add drops an update
 * whose index is outside the base.
 */
final class MovementLowering {
    private MovementLowering() {}

    private static Kernel.Buffer input(Value v) { return in(KernelLowering.bufferName(v), v.type().dtype(), v.type().shape()); }

    private static Kernel.Buffer result(Op op) { return out(KernelLowering.bufferName(op.result()), op.type().dtype(), op.type().shape()); }

    private static int axis(Op op, int rank) {
        long a = op.intAttr("axis");
        return (int) (a < 0 ? a + rank : a);
    }

    /** Result axis a is operand axis perm[a]. */
    static Kernel permute(String name, Op op) {
        TensorType xt = op.operands().getFirst().type();
        int rank = xt.rank();
        List<Long> perm = op.intsAttr("perm");
        List<String> o = names("i", rank);
        KExpr[] xIdx = new KExpr[rank];
        for (int a = 0; a < rank; a++) xIdx[(int) (perm.get(a) < 0 ? perm.get(a) + rank : perm.get(a))] = idx(o.get(a));
        Kernel.Buffer x = input(op.operands().getFirst()), out = result(op);
        return kernel(name, List.of(x, out), nest(o, op.type().shape(), true, List.of(store(out, vars(o), load(x, List.of(xIdx))))));
    }

    /** out[.., j, ..] = x[.., start + j * step, ..]. */
    static Kernel slice(String name, Op op) {
        int rank = op.type().rank(), axis = axis(op, rank);
        List<String> o = names("i", rank);
        List<KExpr> xIdx = vars(o);
        xIdx.set(axis, add(dim(op.dimAttr("start")), mul(idx(o.get(axis)), i64(op.intAttr("step", 1)))));
        Kernel.Buffer x = input(op.operands().getFirst()), out = result(op);
        return kernel(name, List.of(x, out), nest(o, op.type().shape(), true, List.of(store(out, vars(o), load(x, xIdx)))));
    }

    /** What the shape rule cannot prove for symbolic bounds: 0 <= start <= end <= the axis's extent. */
    static List<OpLowering.Requirement> sliceRequirements(Op op) {
        TensorType xt = op.operands().getFirst().type();
        int axis = axis(op, xt.rank());
        Dim start = op.dimAttr("start"), end = op.dimAttr("end");
        String what = "slice [" + start + " : " + end + "] of axis " + axis + " of " + xt;
        return List.of(new OpLowering.Requirement(Dim.of(0), start, what + ": the start is negative"),
                new OpLowering.Requirement(start, end, what + ": the end is before the start"),
                new OpLowering.Requirement(end, xt.dim(axis), what + ": the end is past the extent"));
    }

    /** Operand after operand along the axis: one loop over each operand's extent, side by side. */
    static Kernel concat(String name, Op op) {
        int rank = op.type().rank(), axis = axis(op, rank);
        Kernel.Buffer out = result(op);
        List<Kernel.Buffer> buffers = new ArrayList<>();
        List<Segment> segments = new ArrayList<>();
        Dim offset = Dim.of(0);
        for (Value v : op.operands()) {
            Kernel.Buffer x = input(v);
            if (!buffers.contains(x)) buffers.add(x);
            Dim from = offset;
            segments.add(new Segment(offset, v.type().dim(axis), j -> load(x, j)));
            offset = from.plus(v.type().dim(axis));
        }
        buffers.add(out);
        return kernel(name, buffers, segmented(op, out, axis, segments));
    }

    /** {@code before} and {@code after} elements of {@code value} around the operand along the axis. */
    static Kernel pad(String name, Op op) {
        TensorType xt = op.operands().getFirst().type();
        int axis = axis(op, xt.rank());
        Kernel.Buffer x = input(op.operands().getFirst()), out = result(op);
        KExpr value = f(op.floatAttr("value", 0), xt.dtype());
        long before = op.intAttr("before"), after = op.intAttr("after");
        List<Segment> segments = List.of(
                new Segment(Dim.of(0), Dim.of(before), j -> value),
                new Segment(Dim.of(before), xt.dim(axis), j -> load(x, j)),
                new Segment(xt.dim(axis).plus(Dim.of(before)), Dim.of(after), j -> value));
        return kernel(name, List.of(x, out), segmented(op, out, axis, segments));
    }

    /** A run of {@code length} positions along the axis from {@code offset}, whose element at local index j is {@code value(j)}. */
    private record Segment(Dim offset, Dim length, java.util.function.Function<List<KExpr>, KExpr> value) {}

    /**
     * Loops over the axes before {@code axis} (the first parallel), then one loop per segment,
     * each over the axes after it: no select and so no load outside any operand.
     */
    private static List<KStmt> segmented(Op op, Kernel.Buffer out, int axis, List<Segment> segments) {
        List<Dim> shape = op.type().shape();
        int rank = shape.size();
        List<String> o = names("i", rank);
        List<KStmt> per = new ArrayList<>();
        for (int s = 0; s < segments.size(); s++) {
            Segment seg = segments.get(s);
            if (seg.length().isConstant() && seg.length().value() == 0) continue;
            String j = "j" + s;
            List<KExpr> local = vars(o), global = vars(o);
            local.set(axis, idx(j));
            global.set(axis, add(idx(j), dim(seg.offset())));
            List<KStmt> inner = nest(o.subList(axis + 1, rank), shape.subList(axis + 1, rank), false, List.of(store(out, global, seg.value().apply(local))));
            per.add(loop(j, dim(seg.length()), inner));
        }
        return nest(o.subList(0, axis), shape.subList(0, axis), true, per);
    }

    /** out[pre, j.., post] = table[pre, clamp(indices[j..]), post]. */
    static Kernel gather(String name, Op op) {
        Value tv = op.operands().get(0), iv = op.operands().get(1);
        int axis = axis(op, tv.type().rank()), ir = iv.type().rank();
        int rank = op.type().rank();
        List<String> o = names("i", rank);
        List<KExpr> all = vars(o);
        Kernel.Buffer table = input(tv), indices = input(iv), out = result(op);
        KExpr i = clamp(new KExpr.Cast(load(indices, all.subList(axis, axis + ir)), DType.I64), dim(tv.type().dim(axis)));
        List<KExpr> tIdx = new ArrayList<>(all.subList(0, axis));
        tIdx.add(i);
        tIdx.addAll(all.subList(axis + ir, rank));
        List<Kernel.Buffer> buffers = tv.equals(iv) ? List.of(table, out) : List.of(table, indices, out);
        return kernel(name, buffers, nest(o, op.type().shape(), true, List.of(store(out, all, load(table, tIdx)))));
    }

    /**
     * The transpose of gather, as two kernels: a copy of the base, then, for each position before
     * the axis (in parallel), every update added in index order into the row its index names, so
     * that repeated indices accumulate without races.
     */
    static List<Kernel> scatterAdd(String name, Op op) {
        Value bv = op.operands().get(0), iv = op.operands().get(1), uv = op.operands().get(2);
        TensorType bt = bv.type();
        int rank = bt.rank(), axis = axis(op, rank), ir = iv.type().rank();
        Kernel.Buffer base = input(bv), out = result(op);
        List<String> o = names("i", rank);
        Kernel copy = kernel(name + "_copy", List.of(base, out), nest(o, bt.shape(), true, List.of(store(out, vars(o), load(base, vars(o))))));

        Kernel.Buffer indices = input(iv), updates = input(uv);
        Kernel.Buffer acc = new Kernel.Buffer(out.name(), out.dtype(), out.shape(), Kernel.Access.INOUT);
        List<String> pre = o.subList(0, axis), post = o.subList(axis + 1, rank), js = names("j", ir);
        KExpr n = dim(bt.dim(axis));
        KExpr raw = new KExpr.Cast(load(indices, vars(js)), DType.I64);
        KExpr inRange = bin(ScalarOp.AND, bin(ScalarOp.GE, raw, i64(0)), bin(ScalarOp.LT, raw, n));
        List<KExpr> outIdx = new ArrayList<>(vars(pre));
        outIdx.add(clamp(raw, n));
        outIdx.addAll(vars(post));
        List<KExpr> uIdx = new ArrayList<>(vars(pre));
        uIdx.addAll(vars(js));
        uIdx.addAll(vars(post));
        KExpr add = bin(ScalarOp.ADD, load(acc, outIdx), new KExpr.Select(inRange, load(updates, uIdx), f(0, bt.dtype())));
        List<KStmt> inner = nest(post, bt.shape().subList(axis + 1, rank), false, List.of(store(acc, outIdx, add)));
        List<KStmt> overIndices = nest(js, iv.type().shape(), false, inner);
        List<Kernel.Buffer> buffers = new ArrayList<>(List.of(indices));
        if (!uv.equals(iv)) buffers.add(updates);
        buffers.add(acc);
        Kernel accumulate = kernel(name + "_add", buffers, nest(pre, bt.shape().subList(0, axis), true, overIndices));
        return List.of(copy, accumulate);
    }
}
