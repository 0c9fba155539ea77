package strata.compiler.lower;

import static strata.compiler.lower.Nest.*;

import java.util.ArrayList;
import java.util.List;
import strata.compiler.graph.DType;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.KStmt;
import strata.compiler.kernel.Kernel;
import strata.compiler.kernel.ScalarOp;

/**
 * layer_norm (Ba, Kiros and Hinton, 2016) and rms_norm (Zhang and Sennrich, 2019) over the last
 * axis as one kernel each: per row, the mean (layer_norm only), then the mean square of the
 * centred values (two passes, so no cancellation), then the normalized row times the gain plus
 * the bias. Accumulation is in f32.
 */
final class NormLowering {
    private NormLowering() {}

    static Kernel norm(String name, Op op) {
        TensorType xt = op.operands().getFirst().type();
        int rank = xt.rank();
        DType t = xt.dtype();
        boolean centred = op.kind() == OpKind.LAYER_NORM;
        Kernel.Buffer x = in(KernelLowering.bufferName(op.operands().getFirst()), t, xt.shape());
        List<Kernel.Buffer> buffers = new ArrayList<>(List.of(x));
        Kernel.Buffer gain = null, bias = null;
        if (op.operands().size() > 1) buffers.add(gain = in(KernelLowering.bufferName(op.operands().get(1)), t, op.operands().get(1).type().shape()));
        if (op.operands().size() > 2) buffers.add(bias = in(KernelLowering.bufferName(op.operands().get(2)), t, op.operands().get(2).type().shape()));
        Kernel.Buffer out = out(KernelLowering.bufferName(op.result()), t, xt.shape());
        buffers.add(out);
        List<String> rows = names("i", rank - 1);
        KExpr d = dim(xt.dim(-1));
        KExpr df = new KExpr.Cast(d, t);
        KExpr mean = var("mean", t);
        List<KStmt> body = new ArrayList<>();
        body.add(local("mean", f(0, t)));
        if (centred) {
            body.add(loop("j0", d, List.of(assign("mean", bin(ScalarOp.ADD, mean, load(x, at(rows, "j0")))))));
            body.add(assign("mean", bin(ScalarOp.DIV, mean, df)));
        }
        body.add(local("sq", f(0, t)));
        KExpr c1 = bin(ScalarOp.SUB, load(x, at(rows, "j1")), mean);
        body.add(loop("j1", d, List.of(assign("sq", bin(ScalarOp.ADD, var("sq", t), bin(ScalarOp.MUL, c1, c1))))));
        KExpr eps = f(op.floatAttr("eps", 1e-5), t);
        body.add(local("inv", KExpr.unary(ScalarOp.RSQRT, bin(ScalarOp.ADD, bin(ScalarOp.DIV, var("sq", t), df), eps))));
        KExpr y = bin(ScalarOp.MUL, bin(ScalarOp.SUB, load(x, at(rows, "j2")), mean), var("inv", t));
        if (gain != null) y = bin(ScalarOp.MUL, y, load(gain, List.of(idx("j2"))));
        if (bias != null) y = bin(ScalarOp.ADD, y, load(bias, List.of(idx("j2"))));
        body.add(loop("j2", d, List.of(store(out, at(rows, "j2"), y))));
        return kernel(name, buffers, nest(rows, xt.shape().subList(0, rank - 1), true, body));
    }

    private static List<KExpr> at(List<String> rows, String j) {
        List<KExpr> out = new ArrayList<>(vars(rows));
        out.add(idx(j));
        return out;
    }
}
