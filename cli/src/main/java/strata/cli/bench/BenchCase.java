package strata.cli.bench;

import java.io.PrintStream;
import java.util.Arrays;

/** Timing for benchmarks: the median of repeated runs after warm-up, and the report lines. */
public final class BenchCase {
    private BenchCase() {}

    /** Median wall time in ns of {@code runs} calls after {@code warmup} calls. */
    public static long median(int warmup, int runs, Runnable body) {
        for (int i = 0; i < warmup; i++) body.run();
        long[] t = new long[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            body.run();
            t[i] = System.nanoTime() - t0;
        }
        Arrays.sort(t);
        return t[runs / 2];
    }

    /**
     * Prints {@code case: ours X ms (Y GFLOP/s), peer X ms (Y GFLOP/s)} and {@code ratio_vs_peer: R}
     * (peer time / our time: above 1 means ours is faster).
     */
    public static void report(PrintStream out, String name, String unit, double work, long ours, String peer, long theirs) {
        out.printf("%s: ours %.3f ms (%.1f %s), %s %.3f ms (%.1f %s)%n", name, ours / 1e6, work / ours, unit, peer, theirs / 1e6,
                work / theirs, unit);
        out.printf("ratio_vs_%s: %.2f%n", peer, (double) theirs / ours);
    }
}
