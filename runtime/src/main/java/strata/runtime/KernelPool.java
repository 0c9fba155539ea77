package strata.runtime;

import java.lang.invoke.MethodHandle;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A fixed pool of platform threads, one per core, that splits a kernel's parallel range into
 * one contiguous slice per thread; the calling thread runs the first slice itself.
 */
public final class KernelPool implements AutoCloseable {
    private final int threads;
    private final ExecutorService pool;

    public KernelPool(int threads) {
        this.threads = Math.max(1, threads);
        this.pool = this.threads == 1 ? null : Executors.newFixedThreadPool(this.threads - 1, r -> {
            Thread t = new Thread(r, "strata-kernel");
            t.setDaemon(true);
            return t;
        });
    }

    public static KernelPool forThisMachine() { return new KernelPool(Runtime.getRuntime().availableProcessors()); }

    public int threads() { return threads; }

    /** Runs {@code entry(buffers, sizes, lo, hi)} over [0, extent), split across the threads. */
    public void run(MethodHandle entry, MemorySegment buffers, MemorySegment sizes, long extent) {
        int parts = (int) Math.max(1, Math.min(threads, extent));
        if (parts == 1) {
            invoke(entry, buffers, sizes, 0, Math.max(extent, 1));
            return;
        }
        List<Future<?>> rest = new ArrayList<>();
        for (int p = 1; p < parts; p++) {
            long lo = extent * p / parts, hi = extent * (p + 1) / parts;
            rest.add(pool.submit(() -> invoke(entry, buffers, sizes, lo, hi)));
        }
        invoke(entry, buffers, sizes, 0, extent / parts);
        for (Future<?> f : rest) {
            try {
                f.get();
            } catch (Exception e) {
                throw new IllegalStateException("a kernel thread failed", e);
            }
        }
    }

    private static void invoke(MethodHandle entry, MemorySegment buffers, MemorySegment sizes, long lo, long hi) {
        try {
            entry.invokeExact(buffers, sizes, lo, hi);
        } catch (Throwable t) {
            throw new IllegalStateException("kernel call failed", t);
        }
    }

    @Override public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
