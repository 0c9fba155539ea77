package strata.compiler.lower;

import static strata.compiler.lower.Nest.*;

import java.util.ArrayList;
import java.util.List;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Op;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.KStmt;
import strata.compiler.kernel.Kernel;
import strata.compiler.kernel.ScalarOp;

/**
 * matmul {@code [..., M, K] @ [..., K, N]} (either operand transposed, batch dims broadcast) as a
 * plain loop nest: one f32 dot product per output element. Correct, not fast: the register-blocked
 * GEMM replaces {@link #matmul} for the 2-D case, behind this one entry point.
 */
public final class ContractionLowering {
    private ContractionLowering() {}

    public static Kernel matmul(String name, Op op) {
        Value av = op.operands().get(0), bv = op.operands().get(1);
        boolean ta = op.boolAttr("transpose_a", false), tb = op.boolAttr("transpose_b", false);
        TensorType out = op.type();
        int rank = out.rank(), batch = rank - 2;
        List<String> o = names("i", rank);
        Dim k = ta ? av.type().dim(-2) : av.type().dim(-1);
        KExpr m = idx(o.get(batch)), n = idx(o.get(batch + 1)), p = idx("p");
        List<KExpr> aIdx = batchIndex(av.type(), out, o);
        aIdx.add(ta ? p : m);
        aIdx.add(ta ? m : p);
        List<KExpr> bIdx = batchIndex(bv.type(), out, o);
        bIdx.add(tb ? n : p);
        bIdx.add(tb ? p : n);
        Kernel.Buffer a = in(KernelLowering.bufferName(av), av.type().dtype(), av.type().shape());
        Kernel.Buffer b = in(KernelLowering.bufferName(bv), bv.type().dtype(), bv.type().shape());
        Kernel.Buffer c = out(KernelLowering.bufferName(op.result()), out.dtype(), out.shape());
        KExpr acc = var("acc", out.dtype());
        List<KStmt> body = List.of(
                local("acc", f(0, out.dtype())),
                loop("p", dim(k), List.of(assign("acc", bin(ScalarOp.ADD, acc, bin(ScalarOp.MUL, load(a, aIdx), load(b, bIdx)))))),
                store(c, vars(o), acc));
        List<Kernel.Buffer> buffers = av.equals(bv) ? List.of(a, c) : List.of(a, b, c);
        return kernel(name, buffers, nest(o, out.shape(), true, body));
    }

    /** An operand's batch index: its batch axes aligned right with the result's, an extent of 1 read at 0. */
    private static List<KExpr> batchIndex(TensorType x, TensorType out, List<String> o) {
        int xb = x.rank() - 2, ob = out.rank() - 2;
        List<KExpr> idx = new ArrayList<>();
        for (int a = 0; a < xb; a++) {
            Dim d = x.dim(a), od = out.dim(ob - xb + a);
            boolean broadcast = d.isConstant() && d.value() == 1 && !(od.isConstant() && od.value() == 1);
            idx.add(broadcast ? i64(0) : idx(o.get(ob - xb + a)));
        }
        return idx;
    }
}
