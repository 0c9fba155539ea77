package strata.compiler.lower;

import static strata.compiler.lower.Nest.*;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.KStmt;
import strata.compiler.kernel.Kernel;
import strata.compiler.kernel.ScalarOp;

/**
 * Reductions as one kernel each: the kept axes are the loop nest (outermost parallel) and each
 * output element is a local accumulated over the reduced axes; a sum or max over leading axes (a
 * bias's gradient, {@code sum dY {axes = [0, 1]}}) instead reads whole rows in memory order, in
 * fixed chunks of rows whose partial results a second kernel combines. Softmax and cross_entropy reduce
 * one row at a time in three passes (max, sum of exp, result). Accumulators are in the element
 * type (f32), so sums differ from the interpreter's doubles by rounding.
 */
final class ReductionLowering {
    private ReductionLowering() {}

    /**
     * Row chunks of a reduction over leading axes: enough to keep the threads of a large machine
     * busy, few enough that combining their partial rows costs next to nothing. A constant, so
     * that the order of the additions, and so the result to the bit, does not depend on the
     * number of threads.
     */
    static final int CHUNKS = 32;

    /** Columns of a result that one task of a {@link #columnBlocks} kernel owns: a few vectors' worth. */
    private static final int COLUMN_BLOCK = 64;

    /**
     * Kept columns up to which the rows are reduced in {@link #CHUNKS} chunks; past it (or when
     * their number is symbolic) a task per block of columns walks all the rows, which then reads
     * enough contiguous memory per row and keeps the threads busy by itself, with no partial rows
     * to write and read back.
     */
    private static final long CHUNKED_COLUMNS = 2048;

    /** The kernels of a reduction: row-ordered ones when it reduces leading axes of many rows, else {@link #reduce}. */
    static List<Kernel> reduceKernels(String name, Op op) {
        int lead = leadingAxes(op);
        return lead > 0 ? leading(name, op, lead) : List.of(reduce(name, op));
    }

    /**
     * How many leading axes a sum or max reduces when they are exactly a prefix of the operand's
     * axes and their rows are not known to be few (fewer than two per chunk), else 0.
     */
    private static int leadingAxes(Op op) {
        if (op.kind() != OpKind.SUM && op.kind() != OpKind.REDUCE_MAX) return 0;
        TensorType xt = op.operands().getFirst().type();
        int rank = xt.rank();
        TreeSet<Integer> axes = new TreeSet<>();
        for (long a : op.attrs().containsKey("axes") ? op.intsAttr("axes") : List.<Long>of()) axes.add((int) (a < 0 ? a + rank : a));
        int lead = axes.size();
        if (lead == 0 || axes.last() != lead - 1) return 0; // distinct axes from 0 to lead - 1: a prefix
        Dim rows = Dim.of(1);
        for (int a = 0; a < lead; a++) rows = rows.times(xt.dim(a));
        return rows.constant().map(r -> r < 2L * CHUNKS).orElse(false) ? 0 : lead;
    }

    /**
     * x viewed as [R, N] (R the product of the reduced leading axes, N of the kept ones) reduced
     * over R, reading whole rows in memory order (the inner loops run along N, contiguous, which
     * LLVM vectorizes) rather than walking a column at a time. With few columns (a bias's
     * gradient: N = d, R = B*T) the first kernel runs the {@link #CHUNKS} chunks of about R /
     * CHUNKS rows in parallel, each accumulating its rows into its own partial row, and a second
     * combines the partial rows in chunk order; with many, {@link #columnBlocks} alone. Either way
     * every element of the result is the same sequence of operations whatever the threads.
     */
    private static List<Kernel> leading(String name, Op op, int lead) {
        TensorType xt = op.operands().getFirst().type();
        Dim rows = Dim.of(1), cols = Dim.of(1);
        for (int a = 0; a < xt.rank(); a++) {
            if (a < lead) rows = rows.times(xt.dim(a));
            else cols = cols.times(xt.dim(a));
        }
        DType t = xt.dtype();
        ScalarOp combine = op.kind() == OpKind.SUM ? ScalarOp.ADD : ScalarOp.MAX;
        KExpr identity = op.kind() == OpKind.SUM ? f(0, t) : lowest(t);
        Kernel.Buffer x = in(KernelLowering.bufferName(op.operands().getFirst()), t, List.of(rows, cols));
        boolean chunked = cols.constant().map(n -> n <= CHUNKED_COLUMNS).orElse(false);
        if (!chunked) return List.of(columnBlocks(name, op, lead, x, dim(rows), combine, identity, true));
        Kernel.Buffer part = new Kernel.Buffer(name + "_partial", t, List.of(Dim.of(CHUNKS), cols), Kernel.Access.INOUT);
        KExpr r = dim(rows), per = bin(ScalarOp.DIV, add(r, i64(CHUNKS - 1)), i64(CHUNKS));
        KExpr lo = mul(idx("c"), per), hi = bin(ScalarOp.MIN, mul(add(idx("c"), i64(1)), per), r);
        List<KExpr> pj = List.of(idx("c"), idx("j"));
        KStmt clear = loop("j", dim(cols), List.of(store(part, pj, identity)));
        KStmt accumulate = new KStmt.Loop("r", lo, hi, KStmt.LoopKind.SERIAL, 0,
                List.of(loop("j", dim(cols), List.of(store(part, pj, bin(combine, load(part, pj), load(x, List.of(idx("r"), idx("j")))))))));
        Kernel chunks = kernel(name + "_rows", List.of(x, part), List.of(new KStmt.Loop("c", i64(0), i64(CHUNKS), KStmt.LoopKind.PARALLEL, 0,
                List.of(clear, accumulate))));
        // combining at most CHUNKS x CHUNKED_COLUMNS elements takes microseconds: on the calling thread
        Kernel.Buffer partIn = in(part.name(), t, part.shape());
        return List.of(chunks, columnBlocks(name, op, lead, partIn, i64(CHUNKS), combine, identity, false));
    }

    /**
     * The result of {@code op} (in its own shape, which the executor allocates it with, written
     * along its flat kept index j) as {@code combine} over the rows of {@code src} [rows, N]: each
     * block of {@link #COLUMN_BLOCK} columns starts from the identity and takes the rows in order
     * through memory, so that no reassociation (the kernels' fast-math flags allow it) can reorder
     * them. The blocks are the parallel loop when {@code parallel}.
     */
    private static Kernel columnBlocks(String name, Op op, int lead, Kernel.Buffer src, KExpr rows, ScalarOp combine, KExpr identity, boolean parallel) {
        TensorType xt = op.operands().getFirst().type();
        Kernel.Buffer acc = new Kernel.Buffer(KernelLowering.bufferName(op.result()), op.type().dtype(), op.type().shape(), Kernel.Access.INOUT);
        // out index from j: the kept axes' digits of it, zeros for the reduced ones when kept (none at all when nothing is kept)
        List<KExpr> at = new ArrayList<>();
        KExpr rest = idx("j");
        for (int a = xt.rank() - 1; a >= lead; a--) {
            boolean outermost = a == lead;
            at.addFirst(outermost ? rest : bin(ScalarOp.MOD, rest, dim(xt.dim(a))));
            if (!outermost) rest = bin(ScalarOp.DIV, rest, dim(xt.dim(a)));
        }
        if (op.boolAttr("keepdims", false)) for (int a = 0; a < lead; a++) at.addFirst(i64(0));
        Dim n = src.shape().get(1);
        KExpr j0 = mul(idx("b"), i64(COLUMN_BLOCK)), j1 = bin(ScalarOp.MIN, add(j0, i64(COLUMN_BLOCK)), dim(n));
        KStmt start = new KStmt.Loop("j", j0, j1, KStmt.LoopKind.SERIAL, 0, List.of(store(acc, at, identity)));
        KStmt each = new KStmt.Loop("r", i64(0), rows, KStmt.LoopKind.SERIAL, 0, List.of(new KStmt.Loop("j", j0, j1, KStmt.LoopKind.SERIAL, 0,
                List.of(store(acc, at, bin(combine, load(acc, at), load(src, List.of(idx("r"), idx("j")))))))));
        KExpr blocks = n.constant().map(c -> i64((c + COLUMN_BLOCK - 1) / COLUMN_BLOCK))
                .orElseGet(() -> bin(ScalarOp.DIV, add(dim(n), i64(COLUMN_BLOCK - 1)), i64(COLUMN_BLOCK)));
        return kernel(name, List.of(src, acc), List.of(new KStmt.Loop("b", i64(0), blocks,
                parallel ? KStmt.LoopKind.PARALLEL : KStmt.LoopKind.SERIAL, 0, List.of(start, each))));
    }

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
