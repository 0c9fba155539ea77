package strata.tests.backend;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import strata.compiler.llvm.IrModule;
import strata.compiler.llvm.MatmulCodegen;
import strata.runtime.CpuMatmul;
import strata.runtime.KernelPool;

/** The packed, register-blocked matmul equals a double-precision Java matmul on odd shapes. */
class MatmulTest {
    private static final KernelPool POOL = new KernelPool(2);
    private static CpuMatmul plain, transposed, smallBlocks, transposedA, smallBlocksBothTransposed;

    @BeforeAll
    static void compile() {
        plain = CpuMatmul.compile(false);
        transposed = CpuMatmul.compile(true);
        // tiny KC and NC so that small shapes cross every block edge (several K slices, NC blocks)
        smallBlocks = CpuMatmul.compile(false, new MatmulCodegen.Blocking(5, 32, 7, 64));
        transposedA = CpuMatmul.compile(true, false, false, MatmulCodegen.Activation.NONE, false, MatmulCodegen.Blocking.forThisCpu());
        smallBlocksBothTransposed = CpuMatmul.compile(true, true, false, MatmulCodegen.Activation.NONE, false, new MatmulCodegen.Blocking(5, 32, 7, 64));
    }

    @AfterAll
    static void close() {
        plain.close();
        transposed.close();
        smallBlocks.close();
        transposedA.close();
        smallBlocksBothTransposed.close();
        POOL.close();
    }

    /** Checks one random product; elements within 1e-5 * (sum of |a*b| over k) + 1e-30 of exact. */
    private static void check(CpuMatmul mm, int rows, int n, int k, long seed) {
        Random r = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(JAVA_FLOAT, (long) rows * k), b = arena.allocate(JAVA_FLOAT, (long) k * n),
                    c = arena.allocate(JAVA_FLOAT, (long) rows * n);
            float[] av = new float[rows * k], bv = new float[k * n];
            for (int i = 0; i < av.length; i++) a.setAtIndex(JAVA_FLOAT, i, av[i] = (float) r.nextGaussian());
            for (int i = 0; i < bv.length; i++) b.setAtIndex(JAVA_FLOAT, i, bv[i] = (float) r.nextGaussian());
            for (long i = 0; i < (long) rows * n; i++) c.setAtIndex(JAVA_FLOAT, i, Float.NaN); // C is overwritten, never read
            mm.run(POOL, a, b, c, rows, n, k);
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < n; j++) {
                    double sum = 0, mag = 0;
                    for (int p = 0; p < k; p++) {
                        double x = (double) (mm.transposeA() ? av[p * rows + i] : av[i * k + p]) * (mm.transposeB() ? bv[j * k + p] : bv[p * n + j]);
                        sum += x;
                        mag += Math.abs(x);
                    }
                    float got = c.getAtIndex(JAVA_FLOAT, (long) i * n + j);
                    if (!(Math.abs(got - sum) <= 1e-5 * mag + 1e-30))
                        throw new AssertionError("M=" + rows + " N=" + n + " K=" + k + (mm.transposeA() ? " (A^T)" : "") + (mm.transposeB() ? " (B^T)" : "")
                                + ": C[" + i + "][" + j + "] = " + got + ", expected " + sum);
                }
        }
    }

    @Test
    void packedMatmulMatchesDoubleReferenceOnOddShapes() {
        qt().withExamples(40).forAll(integers().between(1, 300), integers().between(1, 300), integers().between(1, 300))
                .checkAssert((rows, n, k) -> check(plain, rows, n, k, rows * 1_000_003L + n * 1009L + k));
    }

    @Test
    void transposedBMatchesDoubleReferenceOnOddShapes() {
        qt().withExamples(40).forAll(integers().between(1, 300), integers().between(1, 300), integers().between(1, 300))
                .checkAssert((rows, n, k) -> check(transposed, rows, n, k, rows * 7L + n * 131L + k * 8191L));
    }

    /** A given as [K, M] (a weight's gradient X^T dY) is packed straight from that layout, partial panels included. */
    @Test
    void transposedAMatchesDoubleReferenceOnOddShapes() {
        qt().withExamples(40).forAll(integers().between(1, 300), integers().between(1, 300), integers().between(1, 300))
                .checkAssert((rows, n, k) -> check(transposedA, rows, n, k, rows * 13L + n * 977L + k * 3L));
    }

    @Test
    void bothOperandsTransposedCrossEveryBlockEdge() {
        for (int[] s : new int[][] {{1, 1, 1}, {5, 32, 7}, {6, 33, 8}, {11, 65, 15}, {4, 129, 22}, {17, 200, 50}, {768, 96, 130}})
            check(smallBlocksBothTransposed, s[0], s[1], s[2], s[0] * 3L + s[1] + s[2]);
    }

    @Test
    void undersizedTransposedAIsRefusedWithItsShape() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(JAVA_FLOAT, 5), b = arena.allocate(JAVA_FLOAT, 6), c = arena.allocate(JAVA_FLOAT, 4);
            var e = assertThrows(IllegalArgumentException.class, () -> transposedA.run(POOL, a, b, c, 2, 2, 3));
            assertTrue(e.getMessage().contains("A should hold f32[3, 2]"), e.getMessage());
        }
    }

    /** C = init + A @ B with a bias (stride 0) or a residual (stride N), across several K slices and every block edge. */
    @Test
    void initOperandsAreAddedOnceAcrossKSlices() {
        try (CpuMatmul mm = CpuMatmul.compile(true, true, new MatmulCodegen.Blocking(5, 32, 7, 64)); Arena arena = Arena.ofConfined()) {
            for (int[] s : new int[][] {{1, 1, 1}, {6, 33, 8}, {11, 65, 15}, {17, 200, 50}})
                for (boolean bias : new boolean[] {true, false}) {
                    int rows = s[0], n = s[1], k = s[2];
                    Random r = new Random(rows * 31L + n + k + (bias ? 1 : 0));
                    MemorySegment a = arena.allocate(JAVA_FLOAT, (long) rows * k), b = arena.allocate(JAVA_FLOAT, (long) k * n),
                            c = arena.allocate(JAVA_FLOAT, (long) rows * n), init = arena.allocate(JAVA_FLOAT, bias ? n : (long) rows * n);
                    for (long i = 0; i < (long) rows * k; i++) a.setAtIndex(JAVA_FLOAT, i, (float) r.nextGaussian());
                    for (long i = 0; i < (long) k * n; i++) b.setAtIndex(JAVA_FLOAT, i, (float) r.nextGaussian());
                    for (long i = 0; i < init.byteSize() / 4; i++) init.setAtIndex(JAVA_FLOAT, i, (float) r.nextGaussian());
                    mm.run(POOL, a, b, c, init, bias ? 0 : n, rows, n, k);
                    for (int i = 0; i < rows; i++)
                        for (int j = 0; j < n; j++) {
                            double sum = init.getAtIndex(JAVA_FLOAT, bias ? j : (long) i * n + j), mag = Math.abs(sum);
                            for (int q = 0; q < k; q++) {
                                double x = (double) a.getAtIndex(JAVA_FLOAT, (long) i * k + q) * b.getAtIndex(JAVA_FLOAT, (long) j * k + q);
                                sum += x;
                                mag += Math.abs(x);
                            }
                            assertEquals(sum, c.getAtIndex(JAVA_FLOAT, (long) i * n + j), 1e-5 * mag + 1e-30, "M=" + rows + " N=" + n + " K=" + k + " bias=" + bias);
                        }
                }
        }
    }

    /** gelu(init + A @ B) is applied once, after the last K slice, at every block edge. */
    @Test
    void activationIsAppliedAfterTheLastKSlice() {
        try (CpuMatmul mm = CpuMatmul.compile(true, true, MatmulCodegen.Activation.GELU_ERF, new MatmulCodegen.Blocking(5, 32, 7, 64));
             Arena arena = Arena.ofConfined()) {
            for (int[] s : new int[][] {{1, 1, 1}, {6, 33, 8}, {11, 65, 15}, {17, 70, 22}}) {
                int rows = s[0], n = s[1], k = s[2];
                Random r = new Random(rows * 17L + n + k);
                MemorySegment a = arena.allocate(JAVA_FLOAT, (long) rows * k), b = arena.allocate(JAVA_FLOAT, (long) k * n),
                        c = arena.allocate(JAVA_FLOAT, (long) rows * n), bias = arena.allocate(JAVA_FLOAT, n);
                for (long i = 0; i < (long) rows * k; i++) a.setAtIndex(JAVA_FLOAT, i, (float) r.nextGaussian());
                for (long i = 0; i < (long) k * n; i++) b.setAtIndex(JAVA_FLOAT, i, (float) r.nextGaussian());
                for (long i = 0; i < n; i++) bias.setAtIndex(JAVA_FLOAT, i, (float) r.nextGaussian());
                mm.run(POOL, a, b, c, bias, 0, rows, n, k);
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < n; j++) {
                        double sum = bias.getAtIndex(JAVA_FLOAT, j), mag = Math.abs(sum);
                        for (int q = 0; q < k; q++) {
                            double x = (double) a.getAtIndex(JAVA_FLOAT, (long) i * k + q) * b.getAtIndex(JAVA_FLOAT, (long) j * k + q);
                            sum += x;
                            mag += Math.abs(x);
                        }
                        double want = 0.5 * sum * (1 + strata.compiler.interp.Erf.erf(sum / Math.sqrt(2)));
                        assertEquals(want, c.getAtIndex(JAVA_FLOAT, (long) i * n + j), 1e-5 * mag + 1e-6, "M=" + rows + " N=" + n + " K=" + k);
                    }
            }
        }
    }

    @Test
    void everyBlockEdgeIsHandled() {
        for (int[] s : new int[][] {{1, 1, 1}, {5, 32, 7}, {6, 33, 8}, {11, 65, 15}, {4, 129, 22}, {17, 200, 50}})
            check(smallBlocks, s[0], s[1], s[2], s[0] + s[1] + s[2]);
    }

    @Test
    void undersizedBuffersAreRefusedBeforeNativeCode() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(JAVA_FLOAT, 6), b = arena.allocate(JAVA_FLOAT, 6), c = arena.allocate(JAVA_FLOAT, 3);
            var e = assertThrows(IllegalArgumentException.class, () -> plain.run(POOL, a, b, c, 2, 2, 3));
            assertTrue(e.getMessage().contains("C should hold f32[2, 2]"), e.getMessage());
        }
    }

    @Test
    void microKernelLoopIsZmmFmasWithoutSpills() {
        MatmulCodegen.Blocking bl = MatmulCodegen.Blocking.forThisCpu();
        IrModule m = new IrModule("mm_asm");
        MatmulCodegen.emit(m, "mm", false, bl);
        m.optimize();
        // the basic block with the most FMAs is the k loop: all MR x NR/16 accumulators
        // updated by register-to-register zmm FMAs, with no stack traffic (no spills)
        String hottest = "";
        for (String block : m.assembly().split("\\n(?=\\.LBB|\\w+:)"))
            if (count(block, "vfmadd231ps") > count(hottest, "vfmadd231ps")) hottest = block;
        // up to the loop's back edge (what follows it, unlabelled, is the loop exit)
        java.util.regex.Matcher backEdge = java.util.regex.Pattern.compile("\\n\\s*j[a-z]+\\s[^\\n]*").matcher(hottest);
        if (backEdge.find()) hottest = hottest.substring(0, backEdge.end());
        assertEquals(bl.mr() * bl.nr() / 16, count(hottest, "vfmadd231ps"), hottest);
        for (String line : hottest.split("\n"))
            if (line.contains("vfmadd231ps")) assertTrue(line.trim().matches("vfmadd231ps\\s.*%zmm\\d+"), "an FMA into a zmm register: " + line);
        assertTrue(!hottest.contains("rsp"), "spills in the micro-kernel loop:\n" + hottest);
    }

    private static int count(String s, String what) { return s.split(java.util.regex.Pattern.quote(what), -1).length - 1; }
}
