package strata.tests.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.runtime.CpuExecutable;
import strata.runtime.KernelPool;
import strata.runtime.Tensor;

/**
 * The compiled {@code random} draws the interpreter's counter-based stream: uniforms bit for bit
 * after rounding to f32 (and exactly for integer and bool results), normals within a stated
 * tolerance; it fuses into its consumers with the counters of its own shape. A graph compiled for
 * training masks each dropout exactly as {@code Interpreter.training(stepSeed)} does, with the step
 * seed given per run to one compiled program.
 */
class RandomKernelTest {
    private static final KernelPool POOL = new KernelPool(2);

    /**
     * Normals go through f32 log, sqrt and sin where the interpreter uses double, with log1p by
     * Goldberg's formula and the angle reduced exactly in i64 (CounterStream.normal): the error is
     * relative, a few ulps. Measured over 4 seeds x 2^22 draws: at most 3.4e-7 relative (about 6
     * ulps of 2^-24). The absolute term only absorbs the double's own rounding where cos(2 pi u2)
     * is 0 in exact arithmetic (the interpreter gets about 6e-17, compiled code 0).
     */
    static final double NORMAL_ATOL = 1e-12, NORMAL_RTOL = 1e-6;

    @AfterAll
    static void close() { POOL.close(); }

    private static Value random(GraphBuilder b, long seed, String dist, DType t, long... shape) {
        return b.op(OpKind.RANDOM, List.of(), Map.of("seed", new Attr.Int(seed), "dist", new Attr.Str(dist)), TensorType.of(t, shape), List.of());
    }

    private static Value dropout(GraphBuilder b, Value x, double p, long seed) {
        return b.op(OpKind.DROPOUT, List.of(x), Map.of("p", new Attr.Float(p), "seed", new Attr.Int(seed)));
    }

    /** Runs a compiled graph with a step seed. */
    private static List<RefTensor> run(CpuExecutable exe, Map<String, RefTensor> inputs, long stepSeed) {
        try (Arena a = Arena.ofConfined()) {
            Map<String, Tensor> tin = new HashMap<>();
            inputs.forEach((k, v) -> tin.put(k, Tensor.of(a, v)));
            return exe.run(a, tin, Map.of(), stepSeed).stream().map(Tensor::toRef).toList();
        }
    }

    /** The interpreter's f32 result rounded, as compiled code stores it. */
    private static double[] rounded(RefTensor t) {
        double[] v = t.toArray();
        if (t.dtype() == DType.F32) for (int i = 0; i < v.length; i++) v[i] = (float) v[i];
        return v;
    }

    private static long[] shape(int rank, int a, int b, int c) {
        return switch (rank) {
            case 0 -> new long[0];
            case 1 -> new long[] {a};
            case 2 -> new long[] {a, b};
            default -> new long[] {a, b, c};
        };
    }

    @Test
    void compiledUniformEqualsTheInterpreterBitForBitForEveryDtypeShapeAndSeed() {
        qt().withFixedSeed(20261125L).withExamples(25).forAll(longs().all(), integers().between(0, 3), integers().between(1, 37), integers().between(1, 9))
                .checkAssert((seed, rank, n, m) -> {
                    long[] s = shape(rank, n, m, 2 * m + 1);
                    GraphBuilder b = new GraphBuilder("uniform");
                    List<Value> outs = new ArrayList<>();
                    for (DType t : List.of(DType.F32, DType.I32, DType.I64, DType.BOOL)) outs.add(random(b, seed + t.ordinal(), "uniform", t, s));
                    Graph g = b.build(outs);
                    List<RefTensor> want = new Interpreter().run(g, Map.of(), Map.of());
                    try (CpuExecutable exe = CpuExecutable.compile(g, POOL)) {
                        List<RefTensor> got = run(exe, Map.of(), 0);
                        for (int i = 0; i < want.size(); i++) {
                            assertArrayEquals(want.get(i).shape(), got.get(i).shape());
                            assertArrayEquals(rounded(want.get(i)), got.get(i).toArray(), 0.0, "output " + i + " of seed " + seed);
                        }
                    }
                });
    }

    @Test
    void compiledNormalIsTheInterpretersWithinTheStatedTolerance() {
        qt().withFixedSeed(20261126L).withExamples(20).forAll(longs().all(), integers().between(1, 3), integers().between(1, 41), integers().between(1, 9))
                .checkAssert((seed, rank, n, m) -> {
                    GraphBuilder b = new GraphBuilder("normal");
                    Graph g = b.build(List.of(random(b, seed, "normal", DType.F32, shape(rank, n, m, 3))));
                    Compiled.assertMatches(g, Map.of(), Map.of(), NORMAL_ATOL, NORMAL_RTOL, POOL);
                });
    }

    @Test
    void normalIsAccurateOverAMillionDraws() {
        // the tolerance above, checked where the Box-Muller formula is hardest: u1 near 0 (log1p)
        // and near 1 (the tail), over 2^20 draws of one seed
        GraphBuilder b = new GraphBuilder("normal_many");
        Graph g = b.build(List.of(random(b, -42, "normal", DType.F32, 1 << 20)));
        Compiled.assertMatches(g, Map.of(), Map.of(), NORMAL_ATOL, NORMAL_RTOL, POOL);
    }

    @Test
    void randomFusedIntoAConsumerCountsInItsOwnShape() {
        // a random [1, 7] broadcast over [N, 7], a random [7] read twice, and one [N, 7]: each
        // element's counter is its index in the random's own shape, wherever it is computed
        GraphBuilder b = new GraphBuilder("fused_random");
        Value x = b.input("x", new TensorType(DType.F32, List.of(Dim.sym("N"), Dim.of(7))));
        Value row = random(b, 5, "uniform", DType.F32, 1, 7), vec = random(b, 6, "normal", DType.F32, 7);
        Value full = b.op(OpKind.RANDOM, List.of(), Map.of("seed", new Attr.Int(7)), new TensorType(DType.F32, List.of(Dim.sym("N"), Dim.of(7))), List.of());
        Value y = b.op(OpKind.MAX, b.op(OpKind.MAX, x, row), b.op(OpKind.MIN, vec, vec));
        Graph g = b.build(List.of(b.op(OpKind.MAX, y, full)));
        try (CpuExecutable exe = CpuExecutable.compile(g, POOL)) {
            assertEquals(1, exe.kernelCount(), "the randoms are computed inside the one elementwise kernel");
        }
        Map<String, RefTensor> in = Map.of("x", Compiled.normal(new Random(1), 1, 11, 7));
        Compiled.assertMatches(g, in, Map.of(), NORMAL_ATOL, NORMAL_RTOL, POOL);
    }

    @Test
    void uniformAndNormalHaveTheirMomentsOverAMillionDraws() {
        int n = 1 << 20;
        GraphBuilder b = new GraphBuilder("moments");
        Graph g = b.build(List.of(random(b, 2026, "uniform", DType.F32, n), random(b, 2027, "normal", DType.F32, n)));
        List<RefTensor> got = Compiled.run(g, Map.of(), Map.of(), POOL);
        // six standard errors: the sample mean has variance var/n; the sample variance about
        // (mu4 - var^2)/n, with mu4 = 1/80 for U(0, 1) and 3 for N(0, 1)
        double[] u = moments(got.get(0).toArray()), z = moments(got.get(1).toArray());
        assertTrue(Math.abs(u[0] - 0.5) < 6 * Math.sqrt(1.0 / 12 / n), "uniform mean " + u[0]);
        assertTrue(Math.abs(u[1] - 1.0 / 12) < 6 * Math.sqrt((1.0 / 80 - 1.0 / 144) / n), "uniform variance " + u[1]);
        assertTrue(Math.abs(z[0]) < 6 * Math.sqrt(1.0 / n), "normal mean " + z[0]);
        assertTrue(Math.abs(z[1] - 1) < 6 * Math.sqrt(2.0 / n), "normal variance " + z[1]);
        double[] us = got.get(0).toArray();
        for (double v : us) assertTrue(v >= 0 && v <= 1, "uniform " + v + " outside [0, 1]");
    }

    private static double[] moments(double[] v) {
        double mean = 0, m2 = 0;
        for (double x : v) mean += x;
        mean /= v.length;
        for (double x : v) m2 += (x - mean) * (x - mean);
        return new double[] {mean, m2 / (v.length - 1)};
    }

    @Test
    void trainingDropoutEqualsTheInterpreterForEveryStepOfOneCompiledProgram() {
        qt().withFixedSeed(20261127L).withExamples(20).forAll(longs().all(), integers().between(1, 3), integers().between(1, 37), integers().between(0, 5))
                .checkAssert((seed, rank, n, which) -> {
                    double p = new double[] {0.5, 0.1, 0.25, 0.9, 1.0 / 3, 0.0}[which];
                    long[] s = shape(rank, n, 3, 5);
                    GraphBuilder b = new GraphBuilder("dropout");
                    Value x = b.input("x", TensorType.of(DType.F32, s));
                    Graph g = b.build(List.of(dropout(b, x, p, seed)));
                    Map<String, RefTensor> in = Map.of("x", Compiled.normal(new Random(seed), 1, s));
                    try (CpuExecutable exe = CpuExecutable.compileForTraining(g, POOL)) {
                        for (long step : new long[] {0, 1, 2, seed * 31 + 7, Long.MIN_VALUE}) {
                            RefTensor want = Interpreter.training(step).run(g, in, Map.of()).getFirst();
                            assertSameDropout(want, run(exe, in, step).getFirst(), "p " + p + " seed " + seed + " step " + step);
                        }
                    }
                });
    }

    /**
     * The same mask exactly (x is never 0, so a zero is a dropped element), and kept values equal
     * within one f32 ulp: the interpreter scales by 1 / (1 - p) in double and rounds once, compiled
     * code multiplies by that scale rounded to f32.
     */
    private static void assertSameDropout(RefTensor want, RefTensor got, String what) {
        assertArrayEquals(want.shape(), got.shape(), what);
        double[] w = want.toArray(), v = got.toArray();
        for (int i = 0; i < w.length; i++) {
            assertEquals(w[i] == 0, v[i] == 0, what + ": mask differs at " + i);
            float wf = (float) w[i];
            assertTrue(Math.abs(v[i] - wf) <= Math.ulp(wf), what + ": element " + i + " is " + v[i] + ", not " + wf);
        }
    }

    @Test
    void dropoutWithAnExactScaleEqualsTheInterpreterBitForBit() {
        // p = 1/2 and 3/4 scale by 2 and 4, exact in f32: no rounding left to differ
        GraphBuilder b = new GraphBuilder("exact_dropout");
        Value x = b.input("x", new TensorType(DType.F32, List.of(Dim.sym("B"), Dim.of(33))));
        Graph g = b.build(List.of(dropout(b, x, 0.5, 3), dropout(b, x, 0.75, 4)));
        Map<String, RefTensor> in = Map.of("x", Compiled.normal(new Random(9), 1, 5, 33));
        try (CpuExecutable exe = CpuExecutable.compileForTraining(g, POOL)) {
            for (long step = 0; step < 4; step++) {
                List<RefTensor> want = Interpreter.training(step).run(g, in, Map.of()), got = run(exe, in, step);
                for (int i = 0; i < 2; i++) assertArrayEquals(rounded(want.get(i)), got.get(i).toArray(), 0.0, "output " + i + " step " + step);
            }
        }
    }

    @Test
    void dropoutStaysFusedInAnElementwiseChainInTraining() {
        GraphBuilder b = new GraphBuilder("chain");
        Value x = b.input("x", new TensorType(DType.F32, List.of(Dim.sym("N"), Dim.of(17))));
        Value bias = b.param("bias", TensorType.of(DType.F32, 17));
        Value h = dropout(b, b.op(OpKind.TANH, b.op(OpKind.ADD, x, bias)), 0.5, 11);
        Graph g = b.build(List.of(b.op(OpKind.MUL, h, b.constant(3, TensorType.scalar(DType.F32)))));
        Random r = new Random(4);
        Map<String, RefTensor> in = Map.of("x", Compiled.normal(r, 1, 9, 17)), params = Map.of("bias", Compiled.normal(r, 1, 17));
        try (CpuExecutable exe = CpuExecutable.compileForTraining(g, POOL); Arena a = Arena.ofConfined()) {
            assertEquals(1, exe.kernelCount(), "add, tanh, dropout and mul are one kernel");
            for (long step : new long[] {0, 5}) {
                RefTensor want = Interpreter.training(step).run(g, in, params).getFirst();
                Map<String, Tensor> tin = Map.of("x", Tensor.of(a, in.get("x"))), tpar = Map.of("bias", Tensor.of(a, params.get("bias")));
                RefTensor got = exe.run(a, tin, tpar, step).getFirst().toRef();
                double[] w = want.toArray(), v = got.toArray();
                for (int i = 0; i < w.length; i++) {
                    assertEquals(w[i] == 0, v[i] == 0, "mask at " + i + " step " + step);
                    assertEquals(w[i], v[i], 1e-5 + 1e-5 * Math.abs(w[i]), "element " + i + " step " + step);
                }
            }
        }
    }

    @Test
    void aCompiledTrainStepMasksTheGradientWithTheForwardsMask() {
        // loss = sum(dropout(tanh(x w))) and its gradient by autodiff, whose dropout adjoint is a
        // dropout of the same seed: one program compiled for training equals the interpreter's
        // training mode at every step, so forward and backward draw one mask
        GraphBuilder b = new GraphBuilder("train_step");
        Value x = b.input("x", new TensorType(DType.F32, List.of(Dim.sym("B"), Dim.of(6))));
        Value w = b.param("w", TensorType.of(DType.F32, 6, 5));
        Value h = dropout(b, b.op(OpKind.TANH, b.op(OpKind.MATMUL, x, w)), 0.3, 7);
        Value loss = b.op(OpKind.SUM, List.of(h), Map.of("axes", new Attr.Ints(List.of(0L, 1L))));
        Graph g = new strata.compiler.autodiff.AutodiffPass().run(b.build(List.of(loss)));
        Random r = new Random(8);
        Map<String, RefTensor> in = Map.of("x", Compiled.normal(r, 1, 4, 6)), params = Map.of("w", Compiled.normal(r, 0.5, 6, 5));
        try (CpuExecutable exe = CpuExecutable.compileForTraining(g, POOL); Arena a = Arena.ofConfined()) {
            for (long step : new long[] {0, 1, 99}) {
                List<RefTensor> want = Interpreter.training(step).run(g, in, params);
                List<Tensor> got = exe.run(a, Map.of("x", Tensor.of(a, in.get("x"))), Map.of("w", Tensor.of(a, params.get("w"))), step);
                assertEquals(want.size(), got.size());
                for (int i = 0; i < want.size(); i++)
                    assertTrue(got.get(i).toRef().equalsWithin(want.get(i), 1e-5, 1e-5), "output " + i + " step " + step + ": max |diff| " + got.get(i).toRef().maxAbsDiff(want.get(i)));
            }
            // and the compiled steps differ: the step seed reaches the kernels
            Map<String, Tensor> tin = Map.of("x", Tensor.of(a, in.get("x"))), tpar = Map.of("w", Tensor.of(a, params.get("w")));
            RefTensor g1 = exe.run(a, tin, tpar, 1).get(1).toRef(), g2 = exe.run(a, tin, tpar, 2).get(1).toRef();
            assertTrue(g1.maxAbsDiff(g2) > 0, "steps 1 and 2 draw different masks");
        }
    }

    @Test
    void dropoutKeepsOneMinusPOfAMillionElements() {
        int n = 1 << 20;
        GraphBuilder b = new GraphBuilder("keep");
        Value x = b.input("x", TensorType.of(DType.F32, n));
        Graph g = b.build(List.of(dropout(b, x, 0.1, 1), dropout(b, x, 0.7, 2)));
        try (CpuExecutable exe = CpuExecutable.compileForTraining(g, POOL)) {
            List<RefTensor> got = run(exe, Map.of("x", RefTensor.full(DType.F32, 1.0, n)), 12345);
            double[] ps = {0.1, 0.7};
            for (int i = 0; i < 2; i++) {
                double p = ps[i], kept = 0;
                for (double v : got.get(i).toArray()) {
                    if (v != 0) {
                        kept++;
                        assertEquals((float) (1 / (1 - p)), v, 0.0, "a kept 1 is scaled by 1 / (1 - p)");
                    }
                }
                // six standard errors of a binomial proportion
                assertTrue(Math.abs(kept / n - (1 - p)) < 6 * Math.sqrt(p * (1 - p) / n), "p " + p + ": kept " + kept / n);
            }
        }
    }

    @Test
    void inferenceDropoutIsTheIdentityWhateverTheStepSeed() {
        GraphBuilder b = new GraphBuilder("eval");
        Value x = b.input("x", TensorType.of(DType.F32, 6, 5));
        Graph g = b.build(List.of(dropout(b, x, 0.5, 1)));
        RefTensor in = Compiled.normal(new Random(2), 1, 6, 5);
        try (CpuExecutable exe = CpuExecutable.compile(g, POOL)) {
            assertArrayEquals(in.toArray(), run(exe, Map.of("x", in), 77).getFirst().toArray(), 0.0);
        }
    }

    @Test
    void normalOfAnIntegerTypeIsRefusedWithTheReason() {
        GraphBuilder b = new GraphBuilder("int_normal");
        Graph g = b.build(List.of(random(b, 1, "normal", DType.I32, 4)));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> CpuExecutable.compile(g, POOL));
        assertTrue(e.getMessage().contains("f32 only") && e.getMessage().contains("draw f32 and cast"), e.getMessage());
    }

    @Test
    void anInputSizeNamedLikeTheStepSeedIsRefused() {
        GraphBuilder b = new GraphBuilder("clash");
        Value x = b.input("x", new TensorType(DType.F32, List.of(Dim.sym("step_seed"))));
        Graph g = b.build(List.of(dropout(b, x, 0.5, 1)));
        try (CpuExecutable exe = CpuExecutable.compileForTraining(g, POOL)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(exe, Map.of("x", Compiled.normal(new Random(1), 1, 3)), 1));
            assertTrue(e.getMessage().contains("step_seed") && e.getMessage().contains("rename"), e.getMessage());
        }
    }
}
