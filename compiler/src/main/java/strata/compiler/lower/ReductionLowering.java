package strata.compiler.lower;

import static strata.compiler.lower.Nest.*;

import java.util.ArrayList;
import java.util.List;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Op;
import strata.compiler.graph.TensorType;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.KStmt;
import strata.compiler.kernel.Kernel;
import strata.compiler.kernel.ScalarOp;

/**
 * Reductions as one kernel each: the kept axes are the loop nest (outermost parallel) and each
 * output element is a local accumulated over the reduced axes. Softmax and cross_entropy reduce
 * one row at a time in three passes (max, sum of exp, result). Accumulators are in the element
 * type (f32), so sums differ from the interpreter's doubles by rounding.
 */
final class ReductionLowering {
    private ReductionLowering() {}

    /** sum, max or argmax over {@code axes}, keeping them as extent 1 when {@code keepdims}. */
    static Kernel reduce(String name, Op op) {
        TensorType xt = op.operands().getFirst().type();
        int rank = xt.rank();
        boolean[] reduced = new boolean[rank];
        List<Long> axes = op.attrs().containsKey("axes") ? op.intsAttr("axes") : List.of();
        for (long a : axes) reduced[(int) (a < 0 ? a + rank : a)] = true;
        boolean keep = op.boolAttr("keepdims", false);
        Kernel.Buffer x = in(KernelLowering.bufferName(op.operands().getFirst()), xt.dtype(), xt.shape());
        Kernel.Buffer out = out(KernelLowering.bufferName(op.result()), op.type().dtype(), op.type().shape());
        List<String> outer = new ArrayList<>(), inner = new ArrayList<>();
        List<Dim> outerExt = new ArrayList<>(), innerExt = new ArrayList<>();
        List<KExpr> xIdx = new ArrayList<>(), outIdx = new ArrayList<>();
        for (int a = 0; a < rank; a++) {
            String v = (reduced[a] ? "r" : "i") + a;
            xIdx.add(idx(v));
            if (reduced[a]) {
                inner.add(v);
                innerExt.add(xt.dim(a));
                if (keep) outIdx.add(i64(0));
            } else {
                outer.add(v);
                outerExt.add(xt.dim(a));
                outIdx.add(idx(v));
            }
        }
        DType t = xt.dtype();
        KExpr xv = load(x, xIdx);
        List<KStmt> body = new ArrayList<>();
        switch (op.kind()) {
            case SUM -> {
                body.add(local("acc", f(0, t)));
                body.addAll(nest(inner, innerExt, false, List.of(assign("acc", bin(ScalarOp.ADD, var("acc", t), xv)))));
                body.add(store(out, outIdx, var("acc", t)));
            }
            case REDUCE_MAX -> {
                body.add(local("acc", lowest(t)));
                body.addAll(nest(inner, innerExt, false, List.of(assign("acc", bin(ScalarOp.MAX, var("acc", t), xv)))));
                body.add(store(out, outIdx, var("acc", t)));
            }
            case ARGMAX -> {
                // the first maximum; a NaN counts as the maximum, as in the interpreter (and numpy)
                KExpr best = var("best", t), first = bin(ScalarOp.EQ, idx(inner.getFirst()), i64(0));
                KExpr better = bin(ScalarOp.AND, bin(ScalarOp.EQ, best, best), bin(ScalarOp.OR, bin(ScalarOp.NE, xv, xv), bin(ScalarOp.GT, xv, best)));
                KExpr take = bin(ScalarOp.OR, first, better);
                body.add(local("best", lowest(t)));
                body.add(local("arg", i64(0)));
                body.addAll(nest(inner, innerExt, false, List.of(
                        assign("arg", new KExpr.Select(take, idx(inner.getFirst()), var("arg", DType.I64))),
                        assign("best", new KExpr.Select(take, xv, best)))));
                body.add(store(out, outIdx, var("arg", DType.I64)));
            }
            default -> throw new IllegalArgumentException(op.kind() + " is not a reduction");
        }
        return kernel(name, List.of(x, out), nest(outer, outerExt, true, body));
    }

    /** The identity of max: -inf, or the least integer. */
    private static KExpr lowest(DType t) {
        return switch (t) {
            case I64 -> f(Long.MIN_VALUE, t);
            case I32 -> f(Integer.MIN_VALUE, t);
            case BOOL -> f(0, t);
            default -> f(Double.NEGATIVE_INFINITY, t);
        };
    }

    /** softmax along an axis: exp(x - max) / sum exp(x - max), per row in three passes. */
    static Kernel softmax(String name, Op op) {
        TensorType xt = op.operands().getFirst().type();
        int rank = xt.rank();
        long ax = op.intAttr("axis");
        int axis = (int) (ax < 0 ? ax + rank : ax);
        Kernel.Buffer x = in(KernelLowering.bufferName(op.operands().getFirst()), xt.dtype(), xt.shape());
        Kernel.Buffer out = out(KernelLowering.bufferName(op.result()), xt.dtype(), xt.shape());
        List<String> outer = new ArrayList<>();
        List<Dim> outerExt = new ArrayList<>();
        for (int a = 0; a < rank; a++)
            if (a != axis) {
                outer.add("i" + a);
                outerExt.add(xt.dim(a));
            }
        DType t = xt.dtype();
        KExpr n = dim(xt.dim(axis));
        KExpr m = var("m", t), s = var("s", t);
        List<KStmt> body = List.of(
                local("m", f(Double.NEGATIVE_INFINITY, t)),
                loop("k0", n, List.of(assign("m", bin(ScalarOp.MAX, m, load(x, at(rank, axis, "k0")))))),
                local("s", f(0, t)),
                loop("k1", n, List.of(assign("s", bin(ScalarOp.ADD, s, exp(bin(ScalarOp.SUB, load(x, at(rank, axis, "k1")), m)))))),
                loop("k2", n, List.of(store(out, at(rank, axis, "k2"), bin(ScalarOp.DIV, exp(bin(ScalarOp.SUB, load(x, at(rank, axis, "k2")), m)), s)))));
        return kernel(name, List.of(x, out), nest(outer, outerExt, true, body));
    }

    /** The index {@code [i0, .., k, .., i(rank-1)]}: loop variables i<a>, with {@code k} on the axis. */
    private static List<KExpr> at(int rank, int axis, String k) {
        List<KExpr> out = new ArrayList<>();
        for (int a = 0; a < rank; a++) out.add(idx(a == axis ? k : "i" + a));
        return out;
    }

    private static KExpr exp(KExpr x) { return KExpr.unary(ScalarOp.EXP, x); }

    /**
     * Per-position cross entropy: logsumexp(logits) - logits[target]; 0 where the target equals
     * {@code ignore_index}. A target outside [0, V) yields NaN (the interpreter throws): the kernel
     * reads the clamped row, never out of bounds.
     */
    static Kernel crossEntropy(String name, Op op) {
        TensorType lt = op.operands().get(0).type(), tt = op.operands().get(1).type();
        int rank = tt.rank();
        Kernel.Buffer logits = in(KernelLowering.bufferName(op.operands().get(0)), lt.dtype(), lt.shape());
        Kernel.Buffer targets = in(KernelLowering.bufferName(op.operands().get(1)), tt.dtype(), tt.shape());
        Kernel.Buffer out = out(KernelLowering.bufferName(op.result()), op.type().dtype(), op.type().shape());
        List<String> rows = names("i", rank);
        DType t = lt.dtype();
        KExpr v = dim(lt.dim(-1));
        KExpr target = new KExpr.Cast(load(targets, vars(rows)), DType.I64);
        KExpr m = var("m", t), s = var("s", t), tg = var("t", DType.I64);
        KExpr valid = bin(ScalarOp.AND, bin(ScalarOp.GE, tg, i64(0)), bin(ScalarOp.LT, tg, v));
        KExpr picked = load(logits, with(vars(rows), clamp(tg, v)));
        KExpr loss = bin(ScalarOp.SUB, bin(ScalarOp.ADD, m, KExpr.unary(ScalarOp.LOG, s)), picked);
        KExpr result = new KExpr.Select(valid, loss, f(Double.NaN, t));
        if (op.attrs().containsKey("ignore_index"))
            result = new KExpr.Select(bin(ScalarOp.EQ, tg, i64(op.intAttr("ignore_index"))), f(0, t), result);
        List<KStmt> body = List.of(
                local("t", target),
                local("m", f(Double.NEGATIVE_INFINITY, t)),
                loop("k0", v, List.of(assign("m", bin(ScalarOp.MAX, m, load(logits, with(vars(rows), idx("k0"))))))),
                local("s", f(0, t)),
                loop("k1", v, List.of(assign("s", bin(ScalarOp.ADD, s, exp(bin(ScalarOp.SUB, load(logits, with(vars(rows), idx("k1"))), m)))))),
                store(out, vars(rows), result));
        return kernel(name, List.of(logits, targets, out), nest(rows, tt.shape(), true, body));
    }

    private static List<KExpr> with(List<KExpr> prefix, KExpr last) {
        List<KExpr> out = new ArrayList<>(prefix);
        out.add(last);
        return out;
    }
}
