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
import strata.compiler.graph.Value;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.KStmt;
import strata.compiler.kernel.Kernel;
import strata.compiler.kernel.ScalarOp;
import strata.compiler.masks.KeyBound;
import strata.compiler.masks.KeyRanges;

/**
 * Attention as one kernel with an online softmax (Milakov and Gimelshein 2018, "Online
 * normalizer calculation for softmax"; the FlashAttention recurrence of Dao et al. 2022): for
 * each query row a running maximum m, a running sum l and the output row itself are updated key
 * by key, so no Tq x Tk buffer exists and the extra memory is O(1) per row. The mask and score
 * regions are evaluated inline per (b, h, q, k).
 *
 * <p>The keys of a row are visited in the loops {@link KeyRanges} derives from the mask, their
 * bounds computed per row from q and the per-sample data ({@code [0, min(q + 1, Tk))} for a
 * causal mask, {@code [0, len[b])} for padding, a window and its sink tokens as two loops): keys
 * outside them are hidden and never visited, and in a full loop every key is visible, so the mask
 * is evaluated only in the partial ones (FlexAttention's block mask, derived statically). A row
 * with no visible key gives zeros, as in the reference interpreter. The parallel loop runs over
 * the B x H x Tq rows, so every core has work even at batch 1.
 */
final class FusedAttention {
    /** Keys per step of the online softmax: their scores side by side, then one update of m, l and the output row. */
    static final int TILE = 8;

    private FusedAttention() {}

    static Kernel lower(String name, Op op, Map<Value, Op> producers) {
        Value qv = op.operands().get(0), kv = op.operands().get(1), vv = op.operands().get(2);
        AttentionLowering.Sizes z = AttentionLowering.Sizes.of(op);
        DType t = z.dtype();
        Dim batch = z.batch(), heads = z.heads(), tq = z.tq(), tk = z.tk(), dv = z.dv();
        Kernel.Buffer q = z.q(), k = z.k(), v = z.v();
        Kernel.Buffer o = out(KernelLowering.bufferName(op.result()), t, op.type().shape());

        // row r = (b * H + h) * Tq + i
        KExpr r = idx("r");
        KExpr b = idx("b"), h = idx("h"), i = idx("i"), j = idx("j"), c = idx("c");
        List<KStmt> row = new ArrayList<>(List.of(
                local("b", bin(ScalarOp.DIV, r, dim(heads.times(tq)))),
                local("h", bin(ScalarOp.MOD, bin(ScalarOp.DIV, r, dim(tq)), dim(heads))),
                local("i", bin(ScalarOp.MOD, r, dim(tq)))));

        LinkedHashMap<Value, Kernel.Buffer> captured = new LinkedHashMap<>();
        captured.put(qv, q);
        captured.put(kv, k);
        captured.put(vv, v);
        Optional<Region> mask = op.region("mask"), score = op.region("score");

        KExpr negInf = f(Double.NEGATIVE_INFINITY, t), zero = f(0, t), l = var("l", t);
        row.add(local("m", negInf));
        row.add(local("l", zero));
        row.add(loop("c", dim(dv), List.of(store(o, List.of(b, h, i, c), zero))));
        // the keys of the row in the loops the mask analysis derives: keys outside them are hidden, and in a full loop visible
        List<KeyRanges.Loop> loops = KeyRanges.loops(mask);
        Tile tile = new Tile(t, z, q, k, v, o, mask, score, producers, captured);
        for (int n = 0; n < loops.size(); n++) {
            KeyRanges.Loop kl = loops.get(n);
            KExpr lo = idx("k_lo" + n), hi = idx("k_hi" + n);
            row.add(local("k_lo" + n, bound(kl.lo(), mask, tk, List.of(b, h, i, j), producers, captured)));
            row.add(local("k_hi" + n, bound(kl.hi(), mask, tk, List.of(b, h, i, j), producers, captured)));
            KExpr tiles = bin(ScalarOp.DIV, add(bin(ScalarOp.MAX, sub(hi, lo), i64(0)), i64(TILE - 1)), i64(TILE));
            row.add(loop("jt", tiles, tile.body(add(lo, mul(idx("jt"), i64(TILE))), hi, kl.full())));
        }
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
     * One step over up to {@link #TILE} keys j0 + u below {@code hi}: TILE dot products in one pass
     * over q's row, the scores (masked unless the loop is full; a key past {@code hi} is -inf and
     * reads key hi - 1, so no load leaves the range), then the online-softmax update once for the
     * tile: m' = max(m, max_u s_u), l' = l e^(m - m') + sum_u e^(s_u - m'), o' = o e^(m - m') +
     * sum_u e^(s_u - m') v_u (Dao et al. 2022, algorithm 1, with a block of keys).
     */
    private record Tile(DType t, AttentionLowering.Sizes z, Kernel.Buffer q, Kernel.Buffer k, Kernel.Buffer v, Kernel.Buffer o,
                        Optional<Region> mask, Optional<Region> score, Map<Value, Op> producers, LinkedHashMap<Value, Kernel.Buffer> captured) {
        List<KStmt> body(KExpr j0, KExpr hi, boolean full) {
            KExpr b = idx("b"), h = idx("h"), i = idx("i"), c = idx("c"), kvh = bin(ScalarOp.DIV, h, dim(z.group()));
            KExpr negInf = f(Double.NEGATIVE_INFINITY, t), zero = f(0, t), one = f(1, t), m = var("m", t), l = var("l", t), mNew = var("m_new", t);
            List<KStmt> out = new ArrayList<>();
            out.add(local("j0", j0));
            List<KStmt> dots = new ArrayList<>(List.of(local("qc", load(q, List.of(b, h, i, c)))));
            for (int u = 0; u < TILE; u++) {
                out.add(local("jk" + u, bin(ScalarOp.MIN, add(idx("j0"), i64(u)), sub(hi, i64(1)))));
                out.add(local("dot" + u, zero));
                dots.add(assign("dot" + u, bin(ScalarOp.ADD, var("dot" + u, t), bin(ScalarOp.MUL, var("qc", t), load(k, List.of(b, kvh, idx("jk" + u), c))))));
            }
            out.add(loop("c", dim(z.d()), dots));
            KExpr tileMax = negInf;
            for (int u = 0; u < TILE; u++) {
                KExpr jk = idx("jk" + u), sc = bin(ScalarOp.MUL, f(z.scale(), t), var("dot" + u, t));
                if (score.isPresent()) sc = RegionLowering.inline(score.get(), List.of(b, h, i, jk, sc), producers, captured);
                if (!full) sc = new KExpr.Select(RegionLowering.inline(mask.orElseThrow(), List.of(b, h, i, jk), producers, captured), sc, negInf);
                out.add(local("s" + u, new KExpr.Select(bin(ScalarOp.LT, add(idx("j0"), i64(u)), hi), sc, negInf)));
                tileMax = bin(ScalarOp.MAX, tileMax, var("s" + u, t));
            }
            out.add(local("m_new", bin(ScalarOp.MAX, m, tileMax)));
            // while nothing is visible the maximum is -inf: keep the (zero) state as it is
            out.add(local("corr", new KExpr.Select(bin(ScalarOp.EQ, mNew, negInf), one, KExpr.unary(ScalarOp.EXP, bin(ScalarOp.SUB, m, mNew)))));
            KExpr sum = zero;
            for (int u = 0; u < TILE; u++) {
                KExpr s = var("s" + u, t);
                out.add(local("p" + u, new KExpr.Select(bin(ScalarOp.EQ, s, negInf), zero, KExpr.unary(ScalarOp.EXP, bin(ScalarOp.SUB, s, mNew)))));
                sum = bin(ScalarOp.ADD, sum, var("p" + u, t));
            }
            out.add(assign("l", bin(ScalarOp.ADD, bin(ScalarOp.MUL, l, var("corr", t)), sum)));
            KExpr acc = bin(ScalarOp.MUL, load(o, List.of(b, h, i, c)), var("corr", t));
            for (int u = 0; u < TILE; u++) acc = bin(ScalarOp.ADD, acc, bin(ScalarOp.MUL, var("p" + u, t), load(v, List.of(b, kvh, idx("jk" + u), c))));
            out.add(loop("c", dim(z.dv()), List.of(store(o, List.of(b, h, i, c), acc))));
            out.add(assign("m", mNew));
            return out;
        }
    }

    /** A loop bound as a kernel expression of the row: the region's key-independent values inlined at (b, h, q). */
    private static KExpr bound(KeyBound x, Optional<Region> mask, Dim tk, List<KExpr> at, Map<Value, Op> producers,
                               LinkedHashMap<Value, Kernel.Buffer> captured) {
        return switch (x) {
            case KeyBound.Lit c -> i64(c.value());
            case KeyBound.Keys k -> dim(tk);
            case KeyBound.Of o -> {
                KExpr e = regionValue(o.value(), mask.orElseThrow(), at, producers, captured);
                yield e.type() == DType.I64 ? e : new KExpr.Cast(e, DType.I64);
            }
            case KeyBound.Sum y -> add(bound(y.a(), mask, tk, at, producers, captured), bound(y.b(), mask, tk, at, producers, captured));
            case KeyBound.Neg y -> sub(i64(0), bound(y.a(), mask, tk, at, producers, captured));
            case KeyBound.Min y -> bin(ScalarOp.MIN, bound(y.a(), mask, tk, at, producers, captured), bound(y.b(), mask, tk, at, producers, captured));
            case KeyBound.Max y -> bin(ScalarOp.MAX, bound(y.a(), mask, tk, at, producers, captured), bound(y.b(), mask, tk, at, producers, captured));
            case KeyBound.Pick y -> {
                KExpr c = regionValue(y.cond(), mask.orElseThrow(), at, producers, captured);
                if (c.type() != DType.BOOL) c = bin(ScalarOp.NE, c, f(0, c.type()));
                yield new KExpr.Select(c, bound(y.a(), mask, tk, at, producers, captured), bound(y.b(), mask, tk, at, producers, captured));
            }
            case KeyBound.IfLess y -> new KExpr.Select(
                    bin(ScalarOp.LT, bound(y.x(), mask, tk, at, producers, captured), bound(y.y(), mask, tk, at, producers, captured)),
                    bound(y.a(), mask, tk, at, producers, captured), bound(y.b(), mask, tk, at, producers, captured));
        };
    }

    /** One value of the mask region, inlined: the region with that value as its yield. */
    private static KExpr regionValue(Value v, Region mask, List<KExpr> at, Map<Value, Op> producers, LinkedHashMap<Value, Kernel.Buffer> captured) {
        return RegionLowering.inline(new Region(mask.role(), mask.args(), mask.ops(), v), at, producers, captured);
    }

    /**
     * What a mask says about the diagonal: when it is {@code k <= q + offset} and'ed with
     * anything, keys past {@code q + offset} are hidden ({@code offset} 1 for {@code <=} means
     * the loop bound q + 1; null when no such conjunct exists); {@code wholeMask} when that
     * conjunct is all there is. The forward kernel now takes its key ranges from {@link KeyRanges};
     * the backward ({@code FusedAttentionGrad}, on main) still starts its key rows at the diagonal with this.
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
