package strata.tests.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import strata.compiler.autodiff.Gradients;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.graph.Verifier;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;

/**
 * Checks autodiff against central finite differences of the reference interpreter, in double:
 * the loss is a random linear functional of chosen outputs, sum(out * W) with W normal, so that
 * every output element matters. d/dp ~ (L(p + h) - L(p - h)) / 2h has truncation error O(h^2 f''')
 * and rounding error O(eps |L| / h); h = 1e-5 keeps both near 1e-10, far under the tolerance.
 */
final class GradientCheck {
    private GradientCheck() {}

    static final double H = 1e-5;
    /** |autodiff - finite difference| <= ATOL + RTOL * |finite difference|. */
    static final double ATOL = 1e-6, RTOL = 1e-5;

    /** g with one more input per output ("w0", "w1", ...) and the loss sum(out_i * w_i) as its only output. */
    static Graph linearLoss(Graph g, List<Value> outs) {
        GraphBuilder b = new GraphBuilder(g.name(), g.maxId() + 1);
        for (String s : g.symbols()) b.declareSymbol(s);
        for (Op op : g.ops()) b.append(op);
        Value loss = null;
        for (int i = 0; i < outs.size(); i++) {
            Value o = outs.get(i);
            Value w = b.input("w" + i, o.type());
            List<Long> axes = new ArrayList<>();
            for (long a = 0; a < o.type().rank(); a++) axes.add(a);
            Value term = b.op(OpKind.SUM, List.of(b.op(OpKind.MUL, o, w)), Map.of("axes", new Attr.Ints(axes)));
            loss = loss == null ? term : b.op(OpKind.ADD, loss, term);
        }
        return b.build(List.of(loss));
    }

    /** Random weights w_i of each output's concrete shape. */
    static Map<String, RefTensor> weights(Graph lossGraph, Map<String, Long> symbols, Random r) {
        Map<String, RefTensor> w = new HashMap<>();
        for (Op in : lossGraph.inputs()) {
            String name = in.strAttr("name", "");
            if (!name.matches("w[0-9]+")) continue;
            long[] s = in.type().concreteShape(symbols);
            w.put(name, strata.tests.RandomTensors.gaussian(r, 1.0, s));
        }
        return w;
    }

    /**
     * Asserts that every element (or {@code samples} random ones, when positive) of every
     * parameter's gradient matches finite differences.
     */
    static void assertMatches(Graph g, List<Value> outs, Map<String, RefTensor> inputs, Map<String, RefTensor> params,
                              Map<String, Long> symbols, Interpreter interp, Random r, int samples) {
        assertMatches(g, outs, inputs, params, symbols, interp, r, samples, name -> true);
    }

    /** As above, with only the parameters {@code trainable} accepts differentiated. */
    static void assertMatches(Graph g, List<Value> outs, Map<String, RefTensor> inputs, Map<String, RefTensor> params,
                              Map<String, Long> symbols, Interpreter interp, Random r, int samples, java.util.function.Predicate<String> trainable) {
        Graph lg = linearLoss(g, outs);
        Map<String, RefTensor> in = new HashMap<>(inputs);
        in.putAll(weights(lg, symbols, r));
        Gradients.Result grads = Gradients.append(lg, lg.outputs().getFirst(), trainable);
        assertEquals(List.of(), Verifier.verify(grads.graph()), "the gradient graph verifies");
        List<RefTensor> got = interp.run(grads.graph(), in, params);
        for (var e : grads.gradients().entrySet()) {
            RefTensor p = params.get(e.getKey()), grad = got.get(e.getValue());
            assertEquals(List.of(p.shape().length), List.of(grad.shape().length));
            int n = p.size();
            int count = samples > 0 ? Math.min(samples, n) : n;
            for (int s = 0; s < count; s++) {
                int i = samples > 0 ? r.nextInt(n) : s;
                double fd = (loss(lg, in, params, e.getKey(), i, H, interp) - loss(lg, in, params, e.getKey(), i, -H, interp)) / (2 * H);
                double ad = grad.at(i);
                assertTrue(Math.abs(ad - fd) <= ATOL + RTOL * Math.abs(fd),
                        "d loss / d " + e.getKey() + "[" + i + "]: autodiff " + ad + ", finite difference " + fd
                                + "\n" + strata.compiler.graph.GraphPrinter.print(grads.graph()));
            }
        }
    }

    static double loss(Graph lg, Map<String, RefTensor> in, Map<String, RefTensor> params, String name, int i, double h, Interpreter interp) {
        Map<String, RefTensor> p = new HashMap<>(params);
        double[] v = params.get(name).toArray();
        v[i] += h;
        p.put(name, RefTensor.of(params.get(name).dtype(), params.get(name).shape(), v));
        return interp.run(lg, in, p).getFirst().item();
    }

    static TensorType f32(long... dims) { return TensorType.of(DType.F32, dims); }

    /** Normal values, as doubles (the interpreter computes in double; no f32 rounding needed here). */
    static RefTensor normal(Random r, long... shape) {
        int n = 1;
        for (long s : shape) n *= (int) s;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = r.nextGaussian();
        return RefTensor.of(DType.F32, shape, v);
    }

    /** Uniform values in [lo, hi). */
    static RefTensor uniform(Random r, double lo, double hi, long... shape) {
        int n = 1;
        for (long s : shape) n *= (int) s;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * r.nextDouble();
        return RefTensor.of(DType.F32, shape, v);
    }

    /** Values at least {@code gap} away from 0 (away from the kinks of abs and relu). */
    static RefTensor awayFromZero(Random r, double gap, long... shape) {
        double[] v = normal(r, shape).toArray();
        for (int i = 0; i < v.length; i++) v[i] = Math.copySign(gap + Math.abs(v[i]), v[i]);
        return RefTensor.of(DType.F32, shape, v);
    }
}
