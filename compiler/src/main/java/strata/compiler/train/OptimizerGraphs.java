package strata.compiler.train;

import java.util.List;
import java.util.Map;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;

/**
 * Optimizer updates as graph programs over flat buffers: every trainable parameter lives in one
 * f32 vector of N elements (as llm.c keeps them), so one update is a few fused elementwise
 * kernels however many tensors the model has. The step's hyperparameters are rank-0 inputs, so
 * one compiled program serves every step of a schedule.
 *
 * <p>Inputs: {@code param, grad, m[, v]: f32[N]}, {@code decay: f32[N]} (the weight decay of each
 * element: the recipe's rate on matrices, 0 on gains and biases), and scalars {@code lr},
 * {@code grad_scale} (global-norm clipping and accumulation folded into one factor), and for
 * AdamW {@code beta1, beta2, eps, bc1, bc2} (bias corrections 1 - beta^t). Outputs: the new
 * param, then the new state, in that order.
 */
public final class OptimizerGraphs {
    private OptimizerGraphs() {}

    public static final TensorType FLAT = new TensorType(DType.F32, List.of(Dim.sym("N")));
    private static final TensorType SCALAR = TensorType.scalar(DType.F32);

    /**
     * AdamW (Loshchilov and Hutter 2019, Algorithm 2, in PyTorch's form): g = grad * grad_scale;
     * m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p = p - lr (decay p + (m / bc1) / (sqrt(v / bc2) + eps)).
     */
    public static Graph adamw() { return adamw(false); }

    /**
     * AdamW as above; with {@code layerwise}, an input {@code lr_scale: f32[N]} multiplies each
     * element's learning rate (discriminative fine-tuning, Howard and Ruder 2018, sec. 3.2).
     */
    public static Graph adamw(boolean layerwise) {
        GraphBuilder b = new GraphBuilder(layerwise ? "adamw_layerwise" : "adamw");
        b.declareSymbol("N");
        Value p = b.input("param", FLAT), grad = b.input("grad", FLAT), m = b.input("m", FLAT), v = b.input("v", FLAT);
        Value decay = b.input("decay", FLAT);
        Value lr = b.input("lr", SCALAR), scale = b.input("grad_scale", SCALAR), b1 = b.input("beta1", SCALAR), b2 = b.input("beta2", SCALAR),
                eps = b.input("eps", SCALAR), bc1 = b.input("bc1", SCALAR), bc2 = b.input("bc2", SCALAR);
        Value one = b.constant(1, SCALAR);
        Value g = b.op(OpKind.MUL, grad, scale);
        Value m1 = b.op(OpKind.ADD, b.op(OpKind.MUL, b1, m), b.op(OpKind.MUL, b.op(OpKind.SUB, one, b1), g));
        Value v1 = b.op(OpKind.ADD, b.op(OpKind.MUL, b2, v), b.op(OpKind.MUL, b.op(OpKind.SUB, one, b2), b.op(OpKind.MUL, g, g)));
        Value mhat = b.op(OpKind.DIV, m1, bc1);
        Value denom = b.op(OpKind.ADD, b.op(OpKind.SQRT, b.op(OpKind.DIV, v1, bc2)), eps);
        Value step = b.op(OpKind.ADD, b.op(OpKind.MUL, decay, p), b.op(OpKind.DIV, mhat, denom));
        if (layerwise) step = b.op(OpKind.MUL, b.input("lr_scale", FLAT), step);
        Value p1 = b.op(OpKind.SUB, p, b.op(OpKind.MUL, lr, step));
        return b.build(List.of(p1, m1, v1));
    }

    /**
     * SGD with momentum in PyTorch's form (Sutskever et al. 2013; dampening 0): g = grad * grad_scale
     * + decay p; m = momentum m + g; p = p - lr m.
     */
    public static Graph sgd() {
        GraphBuilder b = new GraphBuilder("sgd");
        b.declareSymbol("N");
        Value p = b.input("param", FLAT), grad = b.input("grad", FLAT), m = b.input("m", FLAT), decay = b.input("decay", FLAT);
        Value lr = b.input("lr", SCALAR), scale = b.input("grad_scale", SCALAR), momentum = b.input("momentum", SCALAR);
        Value g = b.op(OpKind.ADD, b.op(OpKind.MUL, grad, scale), b.op(OpKind.MUL, decay, p));
        Value m1 = b.op(OpKind.ADD, b.op(OpKind.MUL, momentum, m), g);
        Value p1 = b.op(OpKind.SUB, p, b.op(OpKind.MUL, lr, m1));
        return b.build(List.of(p1, m1));
    }

    /** acc + grad: a micro-batch's gradient added into the accumulated one (written in place over acc). */
    public static Graph accumulate() {
        GraphBuilder b = new GraphBuilder("accumulate");
        b.declareSymbol("N");
        return b.build(List.of(b.op(OpKind.ADD, b.input("acc", FLAT), b.input("grad", FLAT))));
    }

    /** The squared L2 norm of a flat gradient: the global norm that clipping divides by, squared. */
    public static Graph squaredNorm() {
        GraphBuilder b = new GraphBuilder("squared_norm");
        b.declareSymbol("N");
        Value g = b.input("grad", FLAT);
        Value s = b.op(OpKind.SUM, List.of(b.op(OpKind.MUL, g, g)), Map.of("axes", new Attr.Ints(List.of(0L)), "keepdims", new Attr.Bool(false)));
        return b.build(List.of(s));
    }
}
