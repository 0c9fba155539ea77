package strata.compiler.lower;

import static strata.compiler.lower.Nest.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Op;
import strata.compiler.graph.Region;
import strata.compiler.graph.Value;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.KStmt;
import strata.compiler.kernel.Kernel;
import strata.compiler.kernel.ScalarOp;

/**
 * Attention's backward, {@code attention_grad(q, k, v, dout) {wrt}}, fused as FlashAttention-2
 * does it (Dao 2023, "FlashAttention-2", Algorithm 2, one row at a time instead of tiles): the
 * probabilities are recomputed from q and k with the mask and score regions inlined exactly as
 * in {@link FusedAttention}, so no Tq x Tk buffer exists. With z = scale q.k, u = score(z),
 * P = softmax(u) over the visible keys, dP_ij = dout_i . v_j and D_i = sum_j P_ij dP_ij
 * (Algorithm 2, line 4, as rowsum(dO o O)): dS_ij = P_ij (dP_ij - D_i),
 * dz_ij = scale dS_ij score'(z_ij), dq_i = sum_j dz_ij k_j, dk_j = sum_i dz_ij q_i and
 * dv_j = sum_i P_ij dout_i, summed over the query heads of a key/value head's group.
 *
 * <p>The ops that differentiate one attention ({@link AttentionGradSiblings}) are lowered
 * together, and a lone op the same way with fewer outputs:
 * <ul>
 * <li>a kernel per query row: a first pass over the keys finds the row's maximum m, sum l and D
 *     online (each rescaled by exp(m_old - m_new) as the maximum grows, as the forward's output
 *     row is); with dk or dv wanted it stores the row's log-sum-exp L = m + log l and D into a
 *     B x H x Tq x 2 buffer (Algorithm 2's L and D); with dq wanted a second pass accumulates
 *     dq_i (or, wrt = score, writes dS_i);
 * <li>with dk or dv wanted, a kernel per key row j, parallel over B x Hkv x Tk so that no two
 *     threads write one row, loops over the group's query heads and the queries, recomputing
 *     P_ij = exp(u_ij - L_i) and dP_ij once for both dk_j and dv_j.
 * </ul>
 * So dq, dk and dv cost 6 dot products of length d per visible (i, j) (two passes of 2 for dq,
 * 2 for dk and dv) against 13 when each op recomputed everything alone. Every loop over keys or
 * queries steps a tile of {@link #TILE} at a time, as the forward does: the tile's dot products
 * share one pass over the fixed row (each a reduction over the head dimension as vector lanes),
 * the online rescaling exp(m_old - m_new) is paid once per tile, and dq_i, dk_j and dv_j are
 * read and written once per tile; indices past the end are clamped to the last one and their
 * scores set to -inf, so odd sizes stay in bounds and add nothing. A causal conjunct of the
 * mask bounds the loops as in the forward: keys j < i + offset for a query row, queries
 * i > j - offset for a key row. A query row that sees no key contributes nothing, as in the
 * reference interpreter.
 */
final class FusedAttentionGrad {
    private FusedAttentionGrad() {}

    static List<Kernel> lower(String name, Op op, Map<Value, Op> producers) {
        String wrt = op.strAttr("wrt", "");
        return switch (wrt) {
            case "score" -> List.of(new Rows(op, producers).queryRows(name, null, true, false, false));
            case "q", "k", "v" -> lowerTogether(name, List.of(op), null, producers);
            default -> throw new IllegalArgumentException("attention_grad: wrt must be q, k, v or score, got `" + wrt + "`");
        };
    }

    /**
     * Siblings wrt q, k and/or v (each at most once, {@link AttentionGradSiblings#siblings} of
     * one another): the statistics once, dq in the query-row kernel, dk and dv in one key-row kernel.
     * With {@code forward}, the attention's output O (null when the graph does not compute it
     * first), D_i = dout_i . O_i replaces the first pass's dout_i . v_j per key.
     */
    static List<Kernel> lowerTogether(String name, List<Op> ops, Value forward, Map<Value, Op> producers) {
        Rows x = new Rows(ops.getFirst(), producers);
        x.forward = forward;
        Map<String, Kernel.Buffer> outs = new HashMap<>();
        for (Op op : ops) {
            String wrt = op.strAttr("wrt", "");
            if (!List.of("q", "k", "v").contains(wrt) || outs.containsKey(wrt))
                throw new IllegalArgumentException("attention_grad siblings: wrt `" + wrt + "` is not one of q, k, v or comes twice");
            outs.put(wrt, new Kernel.Buffer(KernelLowering.bufferName(op.result()), x.t, op.type().shape(), Kernel.Access.INOUT));
        }
        Kernel.Buffer dq = outs.get("q"), dk = outs.get("k"), dv = outs.get("v");
        List<Kernel> kernels = new ArrayList<>();
        boolean keys = dk != null || dv != null;
        if (dq != null || keys) kernels.add(x.queryRows(dq != null ? name : name + "_stats", dq, false, keys, dk != null));
        if (keys) kernels.add(x.keyRows(name + (dq != null ? "_kv" : ""), dk, dv));
        return kernels;
    }

    /**
     * A loop over the head dimension as SIMD lanes: 16 f32 lanes, one AVX-512 register. The
     * dot products are reductions, which LLVM vectorizes because the CPU backend's float adds
     * may be reassociated ({@code IrModule}); the axpys have independent lanes.
     */
    static KStmt lanes(String var, KExpr hi, List<KStmt> body) {
        return new KStmt.Loop(var, i64(0), hi, KStmt.LoopKind.VECTOR, 16, body);
    }

    /** Pairs (i, j) per tile: the forward's key tile (FusedAttention), eight dot products sharing one pass over a row. */
    static final int TILE = 8;

    /** The kernels' common parts: sizes, buffers, and the score of one (b, h, i, j) recomputed as the forward computes it. */
    private static final class Rows {
        final Op op;
        final Map<Value, Op> producers;
        final AttentionLowering.Sizes z;
        final DType t;
        final Kernel.Buffer dout;
        final Optional<Region> mask, score, scoreGrad;
        final FusedAttention.Diagonal diag;
        /** The attention's output, when the graph computes it before the gradients; else null. */
        Value forward;
        /** The graph values the kernel being built reads, by buffer (q, k, v, dout and the regions' captures). */
        LinkedHashMap<Value, Kernel.Buffer> reads;

        Rows(Op op, Map<Value, Op> producers) {
            this.op = op;
            this.producers = producers;
            z = AttentionLowering.Sizes.of(op);
            t = z.dtype();
            Value dv = op.operands().get(3);
            dout = in(KernelLowering.bufferName(dv), dv.type().dtype(), dv.type().shape());
            mask = op.region("mask");
            score = op.region("score");
            scoreGrad = op.region("score_grad");
            if (score.isPresent() && scoreGrad.isEmpty())
                throw new IllegalArgumentException("attention_grad with a score region needs its derivative, the score_grad region");
            diag = mask.map(m -> FusedAttention.Diagonal.of(m, producers)).orElse(FusedAttention.Diagonal.NONE);
        }

        private void begin() {
            reads = new LinkedHashMap<>();
            for (int a = 0; a < 4; a++) reads.put(op.operands().get(a), a == 3 ? dout : List.of(z.q(), z.k(), z.v()).get(a));
        }

        /** The kernel over what it reads (each buffer once) and then {@code more} (nulls skipped). */
        private Kernel finish(String name, List<KStmt> body, Kernel.Buffer... more) {
            List<Kernel.Buffer> buffers = new ArrayList<>();
            for (Kernel.Buffer b : reads.values()) if (buffers.stream().noneMatch(y -> y.name().equals(b.name()))) buffers.add(b);
            for (Kernel.Buffer b : more) if (b != null) buffers.add(b);
            return kernel(name, buffers, body);
        }

        /**
         * Locals {@code dot} (q_i . k_j) and {@code s} (the score, -inf where the mask hides the
         * key) at query head h of batch b; the mask is not evaluated where the loop bounds already
         * prove the key visible.
         */
        List<KStmt> score(KExpr b, KExpr h, KExpr i, KExpr j) {
            KExpr dot = var("dot", t), c = idx("c");
            KExpr kvh = bin(ScalarOp.DIV, h, dim(z.group()));
            return List.of(
                    local("dot", f(0, t)),
                    lanes("c", dim(z.d()), List.of(assign("dot", bin(ScalarOp.ADD, dot,
                            bin(ScalarOp.MUL, load(z.q(), List.of(b, h, i, c)), load(z.k(), List.of(b, kvh, j, c))))))),
                    local("s", scored(b, h, i, j, dot)));
        }

        /** The score of (i, j) from its dot product: scaled, the score region applied, -inf where the mask hides the key. */
        KExpr scored(KExpr b, KExpr h, KExpr i, KExpr j, KExpr dot) {
            KExpr scored = bin(ScalarOp.MUL, f(z.scale(), t), dot);
            if (score.isPresent()) scored = RegionLowering.inline(score.get(), List.of(b, h, i, j, scored), producers, reads);
            KExpr visible = mask.isPresent() && !diag.wholeMask()
                    ? RegionLowering.inline(mask.get(), List.of(b, h, i, j), producers, reads) : null;
            return visible == null ? scored : new KExpr.Select(visible, scored, f(Double.NEGATIVE_INFINITY, t));
        }

        /**
         * A tile of {@link #TILE} pairs (i, j) of one row: along the keys ({@code overKeys}, i =
         * {@code fixed}) or along the queries (j = {@code fixed}), the other index running from
         * {@code start}, clamped below {@code end} as local {@code n<t>}. Locals {@code dot<t>},
         * {@code s<t>} (-inf past the end) and, {@code withDp}, {@code dp<t>}: the tile's dot
         * products in one pass over the head dimension each, the fixed row read once for all of
         * them (as the forward's key tiles, {@link FusedAttention}).
         */
        List<KStmt> tile(KExpr b, KExpr h, KExpr fixed, boolean overKeys, KExpr start, KExpr end, boolean withDp) {
            KExpr c = idx("c"), kvh = bin(ScalarOp.DIV, h, dim(z.group())), zero = f(0, t);
            List<KStmt> out = new ArrayList<>(), dots = new ArrayList<>(), dps = new ArrayList<>();
            for (int u = 0; u < TILE; u++) {
                out.add(local("n" + u, bin(ScalarOp.MIN, add(start, i64(u)), sub(end, i64(1)))));
                out.add(local("dot" + u, zero));
                if (withDp) out.add(local("dp" + u, zero));
                KExpr i = overKeys ? fixed : idx("n" + u), j = overKeys ? idx("n" + u) : fixed;
                dots.add(assign("dot" + u, bin(ScalarOp.ADD, var("dot" + u, t),
                        bin(ScalarOp.MUL, load(z.q(), List.of(b, h, i, c)), load(z.k(), List.of(b, kvh, j, c))))));
                dps.add(assign("dp" + u, bin(ScalarOp.ADD, var("dp" + u, t),
                        bin(ScalarOp.MUL, load(dout, List.of(b, h, i, c)), load(z.v(), List.of(b, kvh, j, c))))));
            }
            out.add(lanes("c", dim(z.d()), dots));
            if (withDp) out.add(lanes("c", dim(z.dv()), dps));
            for (int u = 0; u < TILE; u++) {
                KExpr i = overKeys ? fixed : idx("n" + u), j = overKeys ? idx("n" + u) : fixed;
                out.add(local("s" + u, new KExpr.Select(bin(ScalarOp.LT, add(start, i64(u)), end),
                        scored(b, h, i, j, var("dot" + u, t)), f(Double.NEGATIVE_INFINITY, t))));
            }
            return out;
        }

        /** {@code for tile in 0 .. ceil((end - start) / TILE)} with {@code first} bound to the tile's first index. */
        KStmt tiles(String first, KExpr start, KExpr end, java.util.function.Function<KExpr, List<KStmt>> body) {
            KExpr count = bin(ScalarOp.DIV, add(bin(ScalarOp.MAX, sub(end, start), i64(0)), i64(TILE - 1)), i64(TILE));
            List<KStmt> inner = new ArrayList<>(List.of(local(first, add(start, mul(idx(first + "_t"), i64(TILE))))));
            inner.addAll(body.apply(idx(first)));
            return loop(first + "_t", count, inner);
        }

        /** {@code acc[at.., c] += sum over the tile of x<t> row[from(n<t>).., c]}: one pass over acc's row per tile. */
        KStmt axpyTile(Kernel.Buffer acc, List<KExpr> at, String x, Kernel.Buffer row, java.util.function.Function<KExpr, List<KExpr>> from, Dim width) {
            KExpr c = idx("c");
            List<KExpr> ai = new ArrayList<>(at);
            ai.add(c);
            KExpr sum = load(acc, ai);
            for (int u = 0; u < TILE; u++) {
                List<KExpr> fi = new ArrayList<>(from.apply(idx("n" + u)));
                fi.add(c);
                sum = bin(ScalarOp.ADD, sum, bin(ScalarOp.MUL, var(x + u, t), load(row, fi)));
            }
            return lanes("c", dim(width), List.of(store(acc, ai, sum)));
        }

        /** Local {@code dp} = dout_i . v_j. */
        List<KStmt> dp(KExpr b, KExpr h, KExpr i, KExpr j) {
            KExpr c = idx("c"), kvh = bin(ScalarOp.DIV, h, dim(z.group()));
            return List.of(local("dp", f(0, t)), lanes("c", dim(z.dv()), List.of(assign("dp", bin(ScalarOp.ADD, var("dp", t),
                    bin(ScalarOp.MUL, load(dout, List.of(b, h, i, c)), load(z.v(), List.of(b, kvh, j, c))))))));
        }

        /**
         * P_ij = exp(s - L) from the row's log-sum-exp L (FlashAttention-2, Algorithm 2, line 11),
         * so no division per key: 0 for a hidden key (and so for every key of an empty row).
         */
        KExpr p(KExpr lse) { return p("", lse); }

        KExpr p(String u, KExpr lse) {
            KExpr s = var("s" + u, t);
            return new KExpr.Select(bin(ScalarOp.EQ, s, f(Double.NEGATIVE_INFINITY, t)), f(0, t), KExpr.unary(ScalarOp.EXP, bin(ScalarOp.SUB, s, lse)));
        }

        /**
         * dz_ij = scale dS_ij score'(z_ij) with dS_ij = p (dp - D), from locals p, dp and dot of
         * suffix u; zero where p is (the interpreter skips those keys).
         */
        KExpr dz(String u, KExpr b, KExpr h, KExpr i, KExpr j, KExpr d) {
            KExpr p = var("p" + u, t), zero = f(0, t);
            KExpr ds = bin(ScalarOp.MUL, p, bin(ScalarOp.SUB, var("dp" + u, t), d));
            KExpr g = bin(ScalarOp.MUL, f(z.scale(), t), ds);
            if (score.isEmpty()) return g;
            KExpr zij = bin(ScalarOp.MUL, f(z.scale(), t), var("dot" + u, t));
            KExpr sg = RegionLowering.inline(scoreGrad.get(), List.of(b, h, i, j, zij), producers, reads);
            return new KExpr.Select(bin(ScalarOp.EQ, p, zero), zero, bin(ScalarOp.MUL, g, sg));
        }

        /** The keys a query row visits: up to the diagonal when the mask has a causal conjunct. */
        KExpr keyEnd(KExpr i) {
            if (diag.offset() == null) return dim(z.tk());
            KExpr end = add(i, i64(diag.offset()));
            return new KExpr.Select(bin(ScalarOp.LT, end, dim(z.tk())), end, dim(z.tk()));
        }

        /** The row index r = (b H + h) Tq + i split into locals b, h, i. */
        List<KStmt> queryRow() {
            KExpr r = idx("r");
            return new ArrayList<>(List.of(
                    local("b", bin(ScalarOp.DIV, r, dim(z.heads().times(z.tq())))),
                    local("h", bin(ScalarOp.MOD, bin(ScalarOp.DIV, r, dim(z.tq())), dim(z.heads()))),
                    local("i", bin(ScalarOp.MOD, r, dim(z.tq())))));
        }

        KStmt overQueryRows(List<KStmt> row) {
            return new KStmt.Loop("r", i64(0), dim(z.batch().times(z.heads()).times(z.tq())), KStmt.LoopKind.PARALLEL, 0, row);
        }

        /**
         * The first pass over a row's keys, a tile at a time: locals m, l and
         * a = sum_j exp(u_j - m) dp_j, rescaled by corr = exp(m_old - m_new) once per tile when
         * the maximum grows (Milakov and Gimelshein 2018); then D = a / l and L = m + log l
         * (-inf for a row that sees no key).
         */
        List<KStmt> onlineStatistics(KExpr b, KExpr h, KExpr i, boolean withD) {
            KExpr m = var("m", t), l = var("l", t), a = var("a", t), mNew = var("m_new", t), corr = var("corr", t);
            KExpr negInf = f(Double.NEGATIVE_INFINITY, t), zero = f(0, t), one = f(1, t);
            KStmt perTile = tiles("j0", i64(0), keyEnd(i), j0 -> {
                List<KStmt> body = new ArrayList<>(tile(b, h, i, true, j0, keyEnd(i), withD));
                KExpr max = m, sumP = zero, sumPdp = zero;
                for (int u = 0; u < TILE; u++) max = bin(ScalarOp.MAX, max, var("s" + u, t));
                body.add(local("m_new", max));
                // while nothing is visible the maximum is -inf: keep the (zero) sums as they are
                body.add(local("corr", new KExpr.Select(bin(ScalarOp.EQ, mNew, negInf), one, KExpr.unary(ScalarOp.EXP, bin(ScalarOp.SUB, m, mNew)))));
                for (int u = 0; u < TILE; u++) {
                    KExpr s = var("s" + u, t);
                    body.add(local("pu" + u, new KExpr.Select(bin(ScalarOp.EQ, s, negInf), zero, KExpr.unary(ScalarOp.EXP, bin(ScalarOp.SUB, s, mNew)))));
                    sumP = bin(ScalarOp.ADD, sumP, var("pu" + u, t));
                    if (withD) sumPdp = bin(ScalarOp.ADD, sumPdp, bin(ScalarOp.MUL, var("pu" + u, t), var("dp" + u, t)));
                }
                body.add(assign("l", bin(ScalarOp.ADD, bin(ScalarOp.MUL, l, corr), sumP)));
                if (withD) body.add(assign("a", bin(ScalarOp.ADD, bin(ScalarOp.MUL, a, corr), sumPdp)));
                body.add(assign("m", mNew));
                return body;
            });
            List<KStmt> out = new ArrayList<>(List.of(local("m", negInf), local("l", zero)));
            if (withD) out.add(local("a", zero));
            out.add(perTile);
            KExpr seen = bin(ScalarOp.GT, l, zero);
            if (withD) out.add(local("D", new KExpr.Select(seen, bin(ScalarOp.DIV, a, l), zero)));
            out.add(local("L", new KExpr.Select(seen, bin(ScalarOp.ADD, m, KExpr.unary(ScalarOp.LOG, l)), negInf)));
            return out;
        }

        /** The row statistics L (and D, {@code withD}) per query row, between the two kernels. */
        Kernel.Buffer statsBuffer(boolean withD, Kernel.Access access) {
            return new Kernel.Buffer(KernelLowering.bufferName(op.result()) + "_stats", t, List.of(z.batch(), z.heads(), z.tq(), Dim.of(withD ? 2 : 1)), access);
        }

        /**
         * Per query row: the statistics; then with {@code dq} a second pass accumulating
         * dq_i = sum_j dz_ij k_j, or with {@code wrtScore} writing dS_ij into {@code scoreOut}
         * (zero past the visited keys); with {@code keep}, L (and D, {@code keepD}: only dk
         * needs it) into the statistics buffer for the key rows.
         */
        Kernel queryRows(String name, Kernel.Buffer dq, boolean wrtScore, boolean keep, boolean keepD) {
            begin();
            KExpr b = idx("b"), h = idx("h"), i = idx("i"), j = idx("j");
            KExpr kvh = bin(ScalarOp.DIV, h, dim(z.group()));
            Kernel.Buffer scoreOut = wrtScore ? new Kernel.Buffer(KernelLowering.bufferName(op.result()), t, op.type().shape(), Kernel.Access.INOUT) : null;
            boolean withD = dq != null || wrtScore || keepD;
            Kernel.Buffer stats = keep ? statsBuffer(keepD, Kernel.Access.OUT) : null;
            List<KStmt> row = queryRow();
            boolean fromOutput = withD && forward != null && !wrtScore;
            row.addAll(onlineStatistics(b, h, i, withD && !fromOutput));
            if (fromOutput) {
                // D_i = dout_i . O_i; 0 for a row that sees no key, whatever the forward wrote there
                Kernel.Buffer o = in(KernelLowering.bufferName(forward), forward.type().dtype(), forward.type().shape());
                reads.put(forward, o);
                KExpr c = idx("c");
                row.add(local("a", f(0, t)));
                row.add(lanes("c", dim(z.dv()), List.of(assign("a", bin(ScalarOp.ADD, var("a", t),
                        bin(ScalarOp.MUL, load(dout, List.of(b, h, i, c)), load(o, List.of(b, h, i, c))))))));
                row.add(local("D", new KExpr.Select(bin(ScalarOp.GT, var("l", t), f(0, t)), var("a", t), f(0, t))));
            }
            if (keep) {
                row.add(store(stats, List.of(b, h, i, i64(0)), var("L", t)));
                if (keepD) row.add(store(stats, List.of(b, h, i, i64(1)), var("D", t)));
            }
            if (dq != null || wrtScore) {
                List<KStmt> perKey = new ArrayList<>(score(b, h, i, j));
                perKey.add(local("p", p(var("L", t))));
                perKey.addAll(dp(b, h, i, j));
                if (wrtScore) {
                    perKey.add(store(scoreOut, List.of(b, h, i, j), bin(ScalarOp.MUL, var("p", t), bin(ScalarOp.SUB, var("dp", t), var("D", t)))));
                    row.add(loop("j", keyEnd(i), perKey));
                    row.add(new KStmt.Loop("j", keyEnd(i), dim(z.tk()), KStmt.LoopKind.SERIAL, 0, List.of(store(scoreOut, List.of(b, h, i, j), f(0, t)))));
                } else {
                    KExpr c = idx("c");
                    row.add(loop("c", dim(z.d()), List.of(store(dq, List.of(b, h, i, c), f(0, t)))));
                    row.add(tiles("j0", i64(0), keyEnd(i), j0 -> {
                        List<KStmt> body = new ArrayList<>(tile(b, h, i, true, j0, keyEnd(i), true));
                        for (int u = 0; u < TILE; u++) {
                            body.add(local("p" + u, p(String.valueOf(u), var("L", t))));
                            body.add(local("dz" + u, dz(String.valueOf(u), b, h, i, idx("n" + u), var("D", t))));
                        }
                        body.add(axpyTile(dq, List.of(b, h, i), "dz", z.k(), n -> List.of(b, kvh, n), z.d()));
                        return body;
                    }));
                }
            }
            return finish(name, List.of(overQueryRows(row)), stats, dq, scoreOut);
        }

        /**
         * Per key row j of key/value head kh: dk_j = sum over the group's heads h and the queries
         * i of dz_ij q_i, and dv_j = sum of P_ij dout_i, from one P_ij and dP_ij per (i, j);
         * either may be null.
         */
        Kernel keyRows(String name, Kernel.Buffer dk, Kernel.Buffer dv) {
            begin();
            Kernel.Buffer stats = statsBuffer(dk != null, Kernel.Access.IN);
            KExpr r = idx("r"), b = idx("b"), kh = idx("kh"), h = idx("h"), i = idx("i"), j = idx("j"), c = idx("c");
            Dim kvHeads = z.k().shape().get(1);
            // the mask hides key j from the queries before the diagonal: i >= j + 1 - offset
            KExpr first = diag.offset() == null ? i64(0) : add(j, i64(1 - diag.offset()));
            KStmt perTile = tiles("i0", first, dim(z.tq()), i0 -> {
                List<KStmt> body = new ArrayList<>(tile(b, h, j, false, i0, dim(z.tq()), dk != null));
                for (int u = 0; u < TILE; u++) body.add(local("p" + u, p(String.valueOf(u), load(stats, List.of(b, h, idx("n" + u), i64(0))))));
                if (dv != null) body.add(axpyTile(dv, List.of(b, kh, j), "p", dout, n -> List.of(b, h, n), z.dv()));
                if (dk != null) {
                    for (int u = 0; u < TILE; u++) {
                        KExpr n = idx("n" + u);
                        body.add(local("dz" + u, dz(String.valueOf(u), b, h, n, j, load(stats, List.of(b, h, n, i64(1))))));
                    }
                    body.add(axpyTile(dk, List.of(b, kh, j), "dz", z.q(), n -> List.of(b, h, n), z.d()));
                }
                return body;
            });
            List<KStmt> row = new ArrayList<>(List.of(
                    local("b", bin(ScalarOp.DIV, r, dim(kvHeads.times(z.tk())))),
                    local("kh", bin(ScalarOp.MOD, bin(ScalarOp.DIV, r, dim(z.tk())), dim(kvHeads))),
                    local("j", bin(ScalarOp.MOD, r, dim(z.tk())))));
            if (dk != null) row.add(loop("c", dim(z.d()), List.of(store(dk, List.of(b, kh, j, c), f(0, t)))));
            if (dv != null) row.add(loop("c", dim(z.dv()), List.of(store(dv, List.of(b, kh, j, c), f(0, t)))));
            row.add(loop("g", dim(z.group()), List.of(
                    local("h", add(bin(ScalarOp.MUL, kh, dim(z.group())), idx("g"))),
                    perTile)));
            KStmt rows = new KStmt.Loop("r", i64(0), dim(z.batch().times(kvHeads).times(z.tk())), KStmt.LoopKind.PARALLEL, 0, row);
            return finish(name, List.of(rows), stats, dk, dv);
        }
    }
}
