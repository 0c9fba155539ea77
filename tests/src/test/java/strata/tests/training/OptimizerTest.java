package strata.tests.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import strata.runtime.KernelPool;
import strata.runtime.Tensor;
import strata.runtime.train.FlatParams;
import strata.runtime.train.Optimizer;

/**
 * The compiled, in-place optimizer updates equal the textbook formulas computed here in double
 * precision, step after step, with clipping by global norm and weight decay on matrices only.
 */
class OptimizerTest {
    private static final KernelPool POOL = new KernelPool(2);

    @AfterAll
    static void close() { POOL.close(); }

    /** A layout of a matrix, a vector and an odd-sized matrix, so padding sits between tensors. */
    static FlatParams layout(int a, int b, int c) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("w", new long[] {a, b});
        shapes.put("bias", new long[] {b});
        shapes.put("w2", new long[] {c, 3});
        return new FlatParams(shapes);
    }

    @Test
    void adamwMatchesTheClosedFormOverStepsWithClippingAndDecayOnMatricesOnly() {
        qt().withExamples(12).forAll(integers().between(1, 19), integers().between(1, 37), integers().between(1, 9), longs().between(1, 1000))
                .checkAssert((a, b, c, seed) -> checkAdamw(layout(a, b, c), seed));
    }

    private static void checkAdamw(FlatParams layout, long seed) {
        double lr = 1e-2, b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.1, clip = 1.0;
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined();
             Optimizer opt = new Optimizer(Optimizer.Settings.adamw(b1, b2, wd, clip), layout, s -> s.shape().length >= 2, POOL)) {
            Tensor p = layout.allocate(arena), g = layout.allocate(arena);
            int n = (int) layout.size();
            double[] P = new double[n], M = new double[n], V = new double[n];
            boolean[] decays = new boolean[n], used = new boolean[n];
            for (FlatParams.Slot s : layout.slots().values())
                for (long i = 0; i < s.numel(); i++) {
                    used[(int) (s.offset() + i)] = true;
                    decays[(int) (s.offset() + i)] = s.shape().length >= 2;
                }
            for (int i = 0; i < n; i++) if (used[i]) { P[i] = (float) rnd.nextGaussian(); p.set(i, P[i]); }
            for (int t = 1; t <= 4; t++) {
                double[] G = new double[n];
                double sq = 0, gscale = t == 3 ? 0.5 : 1;  // step 3 stands for two accumulated micro-batches
                for (int i = 0; i < n; i++) if (used[i]) { G[i] = (float) (rnd.nextGaussian() * (t == 2 ? 5 : 0.05)); g.set(i, G[i]); }
                for (int i = 0; i < n; i++) sq += G[i] * G[i] * gscale * gscale;
                double norm = Math.sqrt(sq), scale = gscale * (norm > clip ? clip / (norm + 1e-6) : 1);
                double got = opt.step(p, g, lr, gscale);
                assertEquals(norm, got, 1e-4 * norm);
                for (int i = 0; i < n; i++) {
                    double gi = G[i] * scale;
                    M[i] = b1 * M[i] + (1 - b1) * gi;
                    V[i] = b2 * V[i] + (1 - b2) * gi * gi;
                    double mhat = M[i] / (1 - Math.pow(b1, t)), vhat = V[i] / (1 - Math.pow(b2, t));
                    P[i] = P[i] - lr * ((decays[i] ? wd : 0) * P[i] + mhat / (Math.sqrt(vhat) + eps));
                }
                for (int i = 0; i < n; i++)
                    assertEquals(P[i], p.get(i), 2e-5 * (1 + Math.abs(P[i])), "step " + t + " element " + i + (used[i] ? "" : " (padding)"));
            }
        }
    }

    @Test
    void sgdWithMomentumMatchesPyTorchsForm() {
        FlatParams layout = layout(3, 5, 2);
        double lr = 0.1, mu = 0.9, wd = 0.01;
        SplittableRandom rnd = new SplittableRandom(5);
        try (Arena arena = Arena.ofConfined();
             Optimizer opt = new Optimizer(new Optimizer.Settings(Optimizer.Kind.SGD, 0, 0, 0, wd, mu, 0), layout, s -> true, POOL)) {
            Tensor p = layout.allocate(arena), g = layout.allocate(arena);
            int n = (int) layout.size();
            double[] P = new double[n], B = new double[n];
            boolean[] used = new boolean[n];  // padding between tensors has no weight decay: it stays as it is
            for (FlatParams.Slot s : layout.slots().values()) for (long i = 0; i < s.numel(); i++) used[(int) (s.offset() + i)] = true;
            for (int i = 0; i < n; i++) { P[i] = (float) rnd.nextGaussian(); p.set(i, P[i]); }
            for (int t = 0; t < 3; t++) {
                double[] G = new double[n];
                for (int i = 0; i < n; i++) { G[i] = (float) rnd.nextGaussian(); g.set(i, G[i]); }
                opt.step(p, g, lr, 1);
                for (int i = 0; i < n; i++) {
                    double gi = G[i] + (used[i] ? wd : 0) * P[i];
                    B[i] = mu * B[i] + gi;
                    P[i] -= lr * B[i];
                    assertEquals(P[i], p.get(i), 1e-5 * (1 + Math.abs(P[i])));
                }
            }
        }
    }

    @Test
    void viewsOfTheFlatLayoutAreDisjointAndAligned() {
        qt().withExamples(50).forAll(integers().between(1, 40), integers().between(1, 40), integers().between(1, 40)).checkAssert((a, b, c) -> {
            FlatParams l = layout(a, b, c);
            long end = 0;
            for (FlatParams.Slot s : l.slots().values()) {
                assertEquals(0, s.offset() % 16);
                assertEquals(true, s.offset() >= end);
                end = s.offset() + s.numel();
            }
            assertEquals(true, end <= l.size());
            assertEquals((long) a * b + b + c * 3L, l.parameterCount());
        });
    }

    @Test
    void layerwiseRatesScaleEachParametersStep() {
        FlatParams layout = layout(4, 6, 3);
        double lr = 1e-2;
        java.util.function.ToDoubleFunction<FlatParams.Slot> scale = s -> s.name().equals("w") ? 0.25 : s.name().equals("bias") ? 0.5 : 1.0;
        SplittableRandom rnd = new SplittableRandom(9);
        try (Arena arena = Arena.ofConfined();
             Optimizer plain = new Optimizer(Optimizer.Settings.adamw(0.9, 0.99, 0.0, 0), layout, s -> false, POOL);
             Optimizer scaled = new Optimizer(Optimizer.Settings.adamw(0.9, 0.99, 0.0, 0).withLayerScale(scale), layout, s -> false, POOL)) {
            Tensor p0 = layout.allocate(arena), p1 = layout.allocate(arena), g = layout.allocate(arena), start = layout.allocate(arena);
            for (long i = 0; i < layout.size(); i++) {
                double x = rnd.nextGaussian();
                p0.set(i, x);
                p1.set(i, x);
                start.set(i, x);
                g.set(i, rnd.nextGaussian());
            }
            plain.step(p0, g, lr, 1);
            scaled.step(p1, g, lr, 1);
            // the first Adam step moves each element by lr * g / (|g| + eps) times its scale
            for (FlatParams.Slot s : layout.slots().values())
                for (long i = 0; i < s.numel(); i++) {
                    long at = s.offset() + i;
                    double full = p0.get(at) - start.get(at), part = p1.get(at) - start.get(at);
                    assertEquals(full * scale.applyAsDouble(s), part, 1e-7, s.name() + "[" + i + "]");
                }
        }
    }
}
