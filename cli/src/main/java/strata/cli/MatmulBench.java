package strata.cli;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import strata.runtime.CpuMatmul;
import strata.runtime.KernelPool;

/**
 * Our JIT-compiled f32 matmul (either operand may be transposed) against OpenBLAS {@code cblas_sgemm} on the same buffers and the
 * same number of threads: median time after warm-up, GFLOP/s = 2*M*N*K / time.
 */
final class MatmulBench {
    /** The acceptance shapes (issue 3): square, and GPT-2's Linear layers over 1024 tokens. */
    static final List<String> ACCEPTANCE = List.of("1024x1024x1024", "2048x2048x2048",
            "1024x768x768", "1024x2304x768", "1024x3072x768", "1024x50257x768");

    private final int threads;
    private final boolean transposeA, transposeB;
    private final double seconds;

    MatmulBench(int threads, boolean transposeA, boolean transposeB, double seconds) {
        this.threads = threads;
        this.transposeA = transposeA;
        this.transposeB = transposeB;
        this.seconds = seconds;
    }

    int run(List<String> cases, PrintStream out) {
        List<long[]> shapes = new ArrayList<>();
        for (String c : cases) {
            long[] s = parse(c);
            if (s == null) {
                System.err.println("strata bench: a case is MxNxK with sizes from 1 to 2^31-1, got `" + c + "`");
                return 1;
            }
            shapes.add(s);
        }
        openblas_nolapack.blas_set_num_threads(threads);
        try (KernelPool pool = new KernelPool(threads); CpuMatmul ours = CpuMatmul.compile(transposeA, transposeB, false,
                strata.compiler.llvm.MatmulCodegen.Activation.NONE, false, strata.compiler.llvm.MatmulCodegen.Blocking.forThisCpu())) {
            for (long[] s : shapes) measure(pool, ours, s[0], s[1], s[2], out);
        }
        return 0;
    }

    /** M, N and K of "MxNxK", or null; OpenBLAS takes int sizes. */
    private static long[] parse(String c) {
        String[] parts = c.split("x");
        if (parts.length != 3) return null;
        long[] s = new long[3];
        for (int i = 0; i < 3; i++) {
            try {
                s[i] = Long.parseLong(parts[i].trim());
            } catch (NumberFormatException e) {
                return null;
            }
            if (s[i] < 1 || s[i] > Integer.MAX_VALUE) return null;
        }
        return s;
    }

    private void measure(KernelPool pool, CpuMatmul ours, long m, long n, long k, PrintStream out) {
        try (FloatPointer a = new FloatPointer(m * k); FloatPointer b = new FloatPointer(k * n);
             FloatPointer c = new FloatPointer(m * n); FloatPointer peer = new FloatPointer(m * n)) {
            Random r = new Random(42);
            for (long i = 0; i < m * k; i++) a.put(i, r.nextFloat() - 0.5f);
            for (long i = 0; i < k * n; i++) b.put(i, r.nextFloat() - 0.5f);
            MemorySegment as = segment(a, m * k), bs = segment(b, k * n), cs = segment(c, m * n);
            int ldb = (int) (transposeB ? k : n);
            int tb = transposeB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
            int lda = (int) (transposeA ? m : k);
            int ta = transposeA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
            double[] ms = medianMs(() -> ours.run(pool, as, bs, cs, m, n, k),
                    () -> openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, ta, tb,
                            (int) m, (int) n, (int) k, 1f, a, lda, b, ldb, 0f, peer, (int) n));
            double oursMs = ms[0], peerMs = ms[1];
            double maxDiff = 0, maxAbs = 0;
            for (long i = 0; i < m * n; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(c.get(i) - peer.get(i)));
                maxAbs = Math.max(maxAbs, Math.abs(peer.get(i)));
            }
            double flop = 2.0 * m * n * k;
            out.printf("matmul M=%d N=%d K=%d%s: strata %.3f ms %.1f GFLOP/s, openblas %.3f ms %.1f GFLOP/s (max |diff| %.2g of max |C| %.2g)%n",
                    m, n, k, (transposeA ? " (A^T)" : "") + (transposeB ? " (B^T)" : ""), oursMs, flop / oursMs / 1e6, peerMs, flop / peerMs / 1e6, maxDiff, maxAbs);
            out.printf("ratio_vs_openblas: %.3f%n", peerMs / oursMs);
            out.flush();
        }
    }

    private static MemorySegment segment(FloatPointer p, long floats) {
        return MemorySegment.ofAddress(p.address()).reinterpret(floats * Float.BYTES);
    }

    /**
     * Medians of repeated runs of both sides, each after two warm-up runs: about {@code seconds}
     * per side, 5 to 50 runs. The sides run in blocks, ours first and after a pause, never
     * interleaved: OpenBLAS's worker threads spin for a while after each call (its
     * THREAD_TIMEOUT), which would take a core from whatever runs next.
     */
    private double[] medianMs(Runnable ours, Runnable peer) {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new double[] {median(ours), median(peer)};
    }

    private double median(Runnable f) {
        f.run();
        long t0 = System.nanoTime();
        f.run();
        double once = (System.nanoTime() - t0) / 1e6;
        int reps = (int) Math.max(5, Math.min(50, seconds * 1000 / Math.max(once, 1e-3)));
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
            long s = System.nanoTime();
            f.run();
            ms[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(ms);
        return ms[reps / 2];
    }
}
