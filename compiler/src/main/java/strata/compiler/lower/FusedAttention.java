package strata.compiler.lower;

import static strata.compiler.lower.Nest.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.KStmt;
import strata.compiler.kernel.Kernel;
import strata.compiler.kernel.ScalarOp;

/**
 * Attention as one kernel with an online softmax (Milakov and Gimelshein 2018, "Online
 * normalizer calculation for softmax"; the FlashAttention recurrence of Dao et al. 2022): for
 * each query row a running maximum m, a running sum l and the output row itself are updated key
 * by key, so no Tq x Tk buffer exists and the extra memory is O(1) per row. The mask and score
 * regions are evaluated inline per (b, h, q, k).
 *
 * <p>Keys the mask proves hidden are not visited: when the mask is a conjunction with
 * {@code k <= q} (or {@code k < q}) the key loop stops at the diagonal, and when that conjunct is
 * the whole mask the visited keys are all visible, so the mask is not evaluated for them. A row
 * with no visible key gives zeros, as in the reference interpreter. The parallel loop runs over
 * the B x H x Tq rows, so every core has work even at batch 1.
 */
final class FusedAttention {
    private FusedAttention() {}

    static Kernel lower(String name, Op op, Map<Value, Op> producers) {
        Value qv = op.operands().get(0), kv = op.operands().get(1), vv = op.operands().get(2);
        AttentionLowering.Sizes z = AttentionLowering.Sizes.of(op);
        DType t = z.dtype();
        Dim batch = z.batch(), heads = z.heads(), tq = z.tq(), d = z.d(), tk = z.tk(), dv = z.dv(), group = z.group();
        double scale = z.scale();
        Kernel.Buffer q = z.q(), k = z.k(), v = z.v();
        Kernel.Buffer o = out(KernelLowering.bufferName(op.result()), t, op.type().shape());

        // row r = (b * H + h) * Tq + i
        KExpr r = idx("r");
        KExpr b = idx("b"), h = idx("h"), i = idx("i"), j = idx("j"), c = idx("c");
        KExpr kvh = bin(ScalarOp.DIV, h, dim(group));
        List<KStmt> row = new ArrayList<>(List.of(
                local("b", bin(ScalarOp.DIV, r, dim(heads.times(tq)))),
                local("h", bin(ScalarOp.MOD, bin(ScalarOp.DIV, r, dim(tq)), dim(heads))),
                local("i", bin(ScalarOp.MOD, r, dim(tq)))));

        LinkedHashMap<Value, Kernel.Buffer> captured = new LinkedHashMap<>();
        captured.put(qv, q);
        captured.put(kv, k);
        captured.put(vv, v);
        Optional<Region> mask = op.region("mask"), score = op.region("score");
        Diagonal diag = mask.map(m -> Diagonal.of(m, producers)).orElse(Diagonal.NONE);
        KExpr keys = dim(tk);
        if (diag.offset() != null) {
            // the mask hides every key past q + offset: stop there (the skipped keys are whole tiles of the triangle)
            KExpr end = add(i, i64(diag.offset()));
            keys = new KExpr.Select(bin(ScalarOp.LT, end, dim(tk)), end, dim(tk));
        }

        KExpr dot = var("dot", t), s = var("s", t), m = var("m", t), l = var("l", t), mNew = var("m_new", t);
        KExpr corr = var("corr", t), p = var("p", t);
        KExpr scored = bin(ScalarOp.MUL, f(scale, t), dot);
        if (score.isPresent()) scored = RegionLowering.inline(score.get(), List.of(b, h, i, j, scored), producers, captured);
        KExpr visible = mask.isPresent() && !diag.wholeMask()
                ? RegionLowering.inline(mask.get(), List.of(b, h, i, j), producers, captured) : null;
        KExpr negInf = f(Double.NEGATIVE_INFINITY, t), zero = f(0, t), one = f(1, t);

        List<KStmt> perKey = new ArrayList<>(List.of(
                local("dot", zero),
                loop("c", dim(d), List.of(assign("dot", bin(ScalarOp.ADD, dot,
                        bin(ScalarOp.MUL, load(q, List.of(b, h, i, c)), load(k, List.of(b, kvh, j, c))))))),
                local("s", visible == null ? scored : new KExpr.Select(visible, scored, negInf)),
                local("m_new", bin(ScalarOp.MAX, m, s)),
                // while nothing is visible the maximum is -inf: keep the (zero) state as it is
                local("corr", new KExpr.Select(bin(ScalarOp.EQ, mNew, negInf), one, KExpr.unary(ScalarOp.EXP, bin(ScalarOp.SUB, m, mNew)))),
                local("p", new KExpr.Select(bin(ScalarOp.EQ, s, negInf), zero, KExpr.unary(ScalarOp.EXP, bin(ScalarOp.SUB, s, mNew)))),
                assign("l", bin(ScalarOp.ADD, bin(ScalarOp.MUL, l, corr), p)),
                loop("c", dim(dv), List.of(store(o, List.of(b, h, i, c), bin(ScalarOp.ADD,
                        bin(ScalarOp.MUL, load(o, List.of(b, h, i, c)), corr), bin(ScalarOp.MUL, p, load(v, List.of(b, kvh, j, c))))))),
                assign("m", mNew)));

        row.add(local("m", negInf));
        row.add(local("l", zero));
        row.add(loop("c", dim(dv), List.of(store(o, List.of(b, h, i, c), zero))));
        row.add(loop("j", keys, perKey));
        row.add(loop("c", dim(dv), List.of(store(o, List.of(b, h, i, c),
                new KExpr.Select(bin(ScalarOp.GT, l, zero), bin(ScalarOp.DIV, load(o, List.of(b, h, i, c)), l), zero)))));

        List<Kernel.Buffer> buffers = new ArrayList<>();
        for (Kernel.Buffer x : captured.values()) if (buffers.stream().noneMatch(y -> y.name().equals(x.name()))) buffers.add(x);
        // the output is read back while it accumulates
        buffers.add(new Kernel.Buffer(o.name(), t, o.shape(), Kernel.Access.INOUT));
        KStmt rows = new KStmt.Loop("r", i64(0), dim(batch.times(heads).times(tq)), KStmt.LoopKind.PARALLEL, 0, row);
        return kernel(name, buffers, List.of(rows));
    }

    /**
     * What a mask says about the diagonal: when it is {@code k <= q + offset} and'ed with
     * anything, keys past {@code q + offset} are hidden ({@code offset} 1 for {@code <=} means
     * the loop bound q + 1; null when no such conjunct exists); {@code wholeMask} when that
     * conjunct is all there is.
     */
    record Diagonal(Long offset, boolean wholeMask) {
        static final Diagonal NONE = new Diagonal(null, false);

        static Diagonal of(Region mask, Map<Value, Op> producers) {
            Map<Value, Op> local = new java.util.HashMap<>();
            for (Op op : mask.ops()) local.put(op.result(), op);
            Value qArg = mask.args().get(2), kArg = mask.args().get(3);
            List<Value> conjuncts = new ArrayList<>();
            collect(mask.yield(), local, conjuncts);
            for (Value cj : conjuncts) {
                Op c = local.get(cj);
                if (c == null || c.operands().size() != 2) continue;
                Value x = c.operands().get(0), y = c.operands().get(1);
                Long off = null;
                if (c.kind() == OpKind.LE && x.equals(kArg) && y.equals(qArg)) off = 1L;      // k <= q
                if (c.kind() == OpKind.LT && x.equals(kArg) && y.equals(qArg)) off = 0L;      // k < q
                if (c.kind() == OpKind.GE && x.equals(qArg) && y.equals(kArg)) off = 1L;      // q >= k
                if (c.kind() == OpKind.GT && x.equals(qArg) && y.equals(kArg)) off = 0L;      // q > k
                if (off != null) return new Diagonal(off, conjuncts.size() == 1);
            }
            return NONE;
        }

        private static void collect(Value v, Map<Value, Op> local, List<Value> out) {
            Op op = local.get(v);
            if (op != null && op.kind() == OpKind.AND) {
                collect(op.operands().get(0), local, out);
                collect(op.operands().get(1), local, out);
            } else out.add(v);
        }
    }
}
