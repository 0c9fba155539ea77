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
import strata.compiler.graph.Region;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.KStmt;
import strata.compiler.kernel.Kernel;
import strata.compiler.kernel.ScalarOp;

/**
 * Attention (Vaswani et al., 2017, eq. 1) unfused, as three kernels over a [B, H, Tq, Tk] score
 * buffer: the scores {@code scale * q . k} with the score region applied and the keys the mask
 * region hides set to -inf (both regions inlined per (b, h, q, k) by {@link RegionLowering});
 * softmax per row, a row whose maximum is -inf (no visible key) becoming zeros; then the
 * probabilities times v. Query head h reads key/value head h / (H / Hkv) (grouped-query
 * attention). This is the reference the fused online-softmax kernel is measured against: its
 * memory grows with Tq * Tk.
 */
final class AttentionLowering {
    private AttentionLowering() {}

    static List<Kernel> unfused(String name, Op op, Map<Value, Op> producers) {
        Value qv = op.operands().get(0), kv = op.operands().get(1), vv = op.operands().get(2);
        Sizes z = Sizes.of(op);
        DType t = z.dtype();
        Dim batch = z.batch(), heads = z.heads(), tq = z.tq(), d = z.d(), tk = z.tk(), dv = z.dv(), group = z.group();
        double scale = z.scale();
        Kernel.Buffer q = z.q(), k = z.k(), v = z.v();
        List<Dim> scoreShape = List.of(batch, heads, tq, tk);
        String sName = KernelLowering.bufferName(op.result()) + "_scores";
        KExpr b = idx("b"), h = idx("h"), i = idx("i"), j = idx("j"), c = idx("c");
        KExpr kvh = bin(ScalarOp.DIV, h, dim(group));

        // 1. scores, scored and masked
        LinkedHashMap<Value, Kernel.Buffer> captured = new LinkedHashMap<>();
        captured.put(qv, q);
        captured.put(kv, k);
        KExpr dot = var("dot", t);
        KExpr s = bin(ScalarOp.MUL, f(scale, t), dot);
        Optional<Region> score = op.region("score"), mask = op.region("mask");
        if (score.isPresent()) s = RegionLowering.inline(score.get(), List.of(b, h, i, j, s), producers, captured);
        if (mask.isPresent()) {
            KExpr visible = RegionLowering.inline(mask.get(), List.of(b, h, i, j), producers, captured);
            s = new KExpr.Select(visible, s, f(Double.NEGATIVE_INFINITY, t));
        }
        Kernel.Buffer scoresOut = out(sName, t, scoreShape);
        List<KStmt> perKey = List.of(
                local("dot", f(0, t)),
                loop("c", dim(d), List.of(assign("dot", bin(ScalarOp.ADD, dot,
                        bin(ScalarOp.MUL, load(q, List.of(b, h, i, c)), load(k, List.of(b, kvh, j, c))))))),
                store(scoresOut, List.of(b, h, i, j), s));
        List<Kernel.Buffer> sBufs = new ArrayList<>(captured.values());
        sBufs.add(scoresOut);
        Kernel scores = kernel(name + "_scores", dedupe(sBufs), rows(batch, heads, tq, List.of(loop("j", dim(tk), perKey))));

        // 2. softmax per row; no visible key gives a row of zeros
        Kernel.Buffer p = new Kernel.Buffer(sName, t, scoreShape, Kernel.Access.INOUT);
        KExpr m = var("m", t), sum = var("sum", t);
        KExpr e = KExpr.unary(ScalarOp.EXP, bin(ScalarOp.SUB, load(p, List.of(b, h, i, j)), m));
        KExpr empty = bin(ScalarOp.EQ, m, f(Double.NEGATIVE_INFINITY, t));
        Kernel softmax = kernel(name + "_softmax", List.of(p), rows(batch, heads, tq, List.of(
                local("m", f(Double.NEGATIVE_INFINITY, t)),
                loop("j", dim(tk), List.of(assign("m", bin(ScalarOp.MAX, m, load(p, List.of(b, h, i, j)))))),
                local("sum", f(0, t)),
                loop("j", dim(tk), List.of(assign("sum", bin(ScalarOp.ADD, sum, new KExpr.Select(empty, f(0, t), e))))),
                loop("j", dim(tk), List.of(store(p, List.of(b, h, i, j), new KExpr.Select(empty, f(0, t), bin(ScalarOp.DIV, e, sum))))))));

        // 3. probabilities times values
        Kernel.Buffer probs = in(sName, t, scoreShape);
        Kernel.Buffer o = out(KernelLowering.bufferName(op.result()), t, op.type().shape());
        KExpr acc = var("acc", t);
        Kernel values = kernel(name + "_values", List.of(probs, v, o), rows(batch, heads, tq, List.of(loop("c", dim(dv), List.of(
                local("acc", f(0, t)),
                loop("j", dim(tk), List.of(assign("acc", bin(ScalarOp.ADD, acc,
                        bin(ScalarOp.MUL, load(probs, List.of(b, h, i, j)), load(v, List.of(b, kvh, j, c))))))),
                store(o, List.of(b, h, i, c), acc))))));
        return List.of(scores, softmax, values);
    }

    /** What both attention lowerings need: sizes, the scale (1 / sqrt(d) unless the op states one), the q, k, v buffers. */
    record Sizes(DType dtype, Dim batch, Dim heads, Dim tq, Dim d, Dim tk, Dim dv, Dim group, double scale,
                 Kernel.Buffer q, Kernel.Buffer k, Kernel.Buffer v) {
        static Sizes of(Op op) {
            TensorType qt = op.operands().get(0).type(), kt = op.operands().get(1).type(), vt = op.operands().get(2).type();
            Dim heads = qt.dim(1), d = qt.dim(3);
            Dim group = heads.divExact(kt.dim(1)).orElseThrow(() -> new IllegalArgumentException("attention: " + heads + " heads over " + kt.dim(1)));
            if (!op.attrs().containsKey("scale") && !d.isConstant())
                throw new UnsupportedOperationException("attention with a symbolic head size " + d + " needs an explicit scale");
            double scale = op.floatAttr("scale", 1.0 / Math.sqrt(d.isConstant() ? d.value() : 1));
            List<Kernel.Buffer> qkv = new ArrayList<>();
            for (Value x : op.operands().subList(0, 3)) qkv.add(in(KernelLowering.bufferName(x), qt.dtype(), x.type().shape()));
            return new Sizes(qt.dtype(), qt.dim(0), heads, qt.dim(2), d, kt.dim(2), vt.dim(3), group, scale, qkv.get(0), qkv.get(1), qkv.get(2));
        }
    }

    /** {@code parallel for b, for h, for i} around a row's statements. */
    private static List<KStmt> rows(Dim batch, Dim heads, Dim tq, List<KStmt> body) {
        return nest(List.of("b", "h", "i"), List.of(batch, heads, tq), true, body);
    }

    private static List<Kernel.Buffer> dedupe(List<Kernel.Buffer> bs) {
        List<Kernel.Buffer> out = new ArrayList<>();
        for (Kernel.Buffer x : bs) if (out.stream().noneMatch(y -> y.name().equals(x.name()))) out.add(x);
        return out;
    }
}
