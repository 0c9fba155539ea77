package strata.tests.prelude;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.tests.ModelFiles;

/**
 * A prelude layer wrapped in a one-line model, run through the reference interpreter, and the
 * plain-array helpers the tests write their closed forms with. Expected values are computed in
 * the tests by loops over double arrays; nothing here evaluates a graph except {@link #run}.
 */
final class LayerFixture {
    /** Agreement required between the interpreter and a closed form: both compute in double. */
    static final double TOL = 1e-9;

    private final Graph graph;
    private final Map<String, RefTensor> inputs = new HashMap<>();
    private final Map<String, RefTensor> params = new HashMap<>();

    private LayerFixture(Graph graph) { this.graph = graph; }

    /** Elaborates {@code import prelude; model M { <body> }}, failing the test on any diagnostic. */
    static LayerFixture model(String body) {
        String text = "import prelude\nmodel M {\n" + body + "\n}\n";
        var b = ModelFiles.buildText("layer_test.strata", text, null);
        assertFalse(b.diagnostics().hasErrors(), () -> b.rendered() + "\nin:\n" + text);
        return new LayerFixture(b.graph());
    }

    Graph graph() { return graph; }

    /** The names of the model's parameters, sorted. */
    TreeSet<String> paramNames() {
        TreeSet<String> out = new TreeSet<>();
        for (Op p : graph.params()) out.add(p.strAttr("name", ""));
        return out;
    }

    LayerFixture input(String name, RefTensor t) {
        inputs.put(name, t);
        return this;
    }

    LayerFixture param(String name, RefTensor t) {
        if (!paramNames().contains(name)) fail("no parameter `" + name + "`; the model has " + paramNames());
        params.put(name, t);
        return this;
    }

    /** The model's only output. */
    RefTensor run() {
        List<RefTensor> out = new Interpreter().run(graph, inputs, params);
        assertEquals(1, out.size(), "outputs");
        return out.getFirst();
    }

    // ---- tensors as flat row-major double arrays ----

    static RefTensor f32(long[] shape, double[] v) { return RefTensor.of(DType.F32, shape, v); }

    static RefTensor i32(long[] shape, double[] v) { return RefTensor.of(DType.I32, shape, v); }

    static long[] shape(long... s) { return s; }

    static double[] gaussian(Random rnd, double std, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = std * rnd.nextGaussian();
        return v;
    }

    /** x[rows, in] @ w[out, in]^T + b (b may be null): the closed form of a linear layer. */
    static double[] affine(double[] x, int rows, int in, double[] w, double[] b, int out) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) s += x[r * in + i] * w[o * in + i];
                y[r * out + o] = s;
            }
        return y;
    }

    static void assertClose(double[] expected, long[] expectedShape, RefTensor actual) {
        assertArrayEquals(expectedShape, actual.shape(), "shape");
        double[] a = actual.toArray();
        for (int i = 0; i < expected.length; i++)
            if (!(Math.abs(expected[i] - a[i]) <= TOL))
                fail("element " + i + ": expected " + expected[i] + " but the interpreter gives " + a[i] + " (|diff| = "
                        + Math.abs(expected[i] - a[i]) + ")");
    }
}
