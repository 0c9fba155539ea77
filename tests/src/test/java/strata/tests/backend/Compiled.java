package strata.tests.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphPrinter;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.runtime.CpuExecutable;
import strata.runtime.KernelPool;
import strata.runtime.Tensor;

/** Runs a graph compiled for the CPU and compares it with the interpreter: the oracle of the backend tests. */
public final class Compiled {
    private Compiled() {}

    /** The graph's outputs, compiled and run on the given inputs and parameters. */
    public static List<RefTensor> run(Graph g, Map<String, RefTensor> inputs, Map<String, RefTensor> params, KernelPool pool) {
        try (CpuExecutable exe = CpuExecutable.compile(g, pool); Arena a = Arena.ofConfined()) {
            Map<String, Tensor> tin = new HashMap<>(), tpar = new HashMap<>();
            inputs.forEach((k, v) -> tin.put(k, Tensor.of(a, v)));
            params.forEach((k, v) -> tpar.put(k, Tensor.of(a, v)));
            return exe.run(a, tin, tpar).stream().map(Tensor::toRef).toList();
        }
    }

    /** Compiled == interpreter within |got - want| <= atol + rtol * |want| for every output. */
    public static void assertMatches(Graph g, Map<String, RefTensor> inputs, Map<String, RefTensor> params, double atol, double rtol, KernelPool pool) {
        assertMatches(g, inputs, params, new Interpreter().run(g, inputs, params), atol, rtol, pool);
    }

    public static void assertMatches(Graph g, Map<String, RefTensor> inputs, Map<String, RefTensor> params, List<RefTensor> want,
                              double atol, double rtol, KernelPool pool) {
        List<RefTensor> got = run(g, inputs, params, pool);
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(want.get(i).shape(), got.get(i).shape(), "output " + i);
            RefTensor gr = got.get(i);
            // the reference computes in double; compare against it rounded to the element type
            RefTensor w = want.get(i).dtype() == DType.F32 ? rounded(want.get(i)) : want.get(i);
            assertTrue(gr.equalsWithin(w, atol, rtol), "output " + i + ": max |diff| " + gr.maxAbsDiff(w) + "\n" + GraphPrinter.print(g));
        }
    }

    private static RefTensor rounded(RefTensor t) {
        double[] v = t.toArray();
        for (int i = 0; i < v.length; i++) v[i] = (float) v[i];
        return RefTensor.of(t.dtype(), t.shape(), v);
    }

    /** A tensor of normal values (scaled), rounded to f32. */
    static RefTensor normal(Random r, double scale, long... shape) {
        int n = 1;
        for (long s : shape) n *= (int) s;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * scale);
        return RefTensor.of(DType.F32, shape, v);
    }

    /** Integers in [lo, hi). */
    static RefTensor ints(Random r, DType t, long lo, long hi, long... shape) {
        int n = 1;
        for (long s : shape) n *= (int) s;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = r.nextLong(lo, hi);
        return RefTensor.of(t, shape, v);
    }
}
