package strata.runtime;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of platform threads, one per core, that splits a kernel's parallel range into one
 * contiguous slice per thread; the calling thread runs the first slice itself.
 *
 * <p>A training step or a small model launches hundreds of kernels of a few microseconds each,
 * so handing a slice to a worker must cost less than that: workers spin on a generation counter
 * for a while after each kernel (the next one usually follows within microseconds) and park only
 * when the pool stays idle, as OpenMP runtimes do with their spin-then-sleep barrier. An
 * executor's submit and Future.get park and wake a thread per kernel, which cost about 0.1 ms.
 */
public final class KernelPool implements AutoCloseable {
    /** How long an idle worker spins before it parks. */
    private static final long SPIN_NANOS = 100_000;

    private final int threads;
    private final Worker[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    /** The current kernel; a worker runs each task it has not seen yet once. */
    private volatile Task task = new Task(0, null, null, null, 0, 0);
    private volatile boolean closed;
    private volatile Throwable failure;

    private record Task(long generation, MethodHandle entry, MemorySegment buffers, MemorySegment sizes, long extent, int parts) {}

    public KernelPool(int threads) {
        this.threads = Math.max(1, threads);
        this.workers = new Worker[this.threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    public static KernelPool forThisMachine() { return new KernelPool(Runtime.getRuntime().availableProcessors()); }

    public int threads() { return threads; }

    /** Runs {@code entry(buffers, sizes, lo, hi)} over [0, extent), split across the threads. */
    public synchronized void run(MethodHandle entry, MemorySegment buffers, MemorySegment sizes, long extent) {
        if (closed) throw new IllegalStateException("the kernel pool is closed");
        int parts = (int) Math.max(1, Math.min(threads, extent));
        if (parts == 1) {
            invoke(entry, buffers, sizes, 0, Math.max(extent, 1));
            return;
        }
        failure = null;
        pending.set(parts - 1);
        task = new Task(task.generation() + 1, entry, buffers, sizes, extent, parts);
        for (int i = 0; i < parts - 1; i++) if (workers[i].parked) LockSupport.unpark(workers[i].thread);
        Throwable mine = null;
        try {
            invoke(entry, buffers, sizes, 0, extent / parts);
        } catch (Throwable t) {
            mine = t;
        }
        // the workers' slices are as long as ours, so this wait is short unless the machine is
        // oversubscribed; then yield rather than burn the time slice a descheduled worker needs
        for (int spins = 0; pending.get() != 0; spins++) {
            if (spins < 20_000) Thread.onSpinWait();
            else Thread.yield();
        }
        Throwable f = mine != null ? mine : failure;
        if (f != null) throw f instanceof IllegalStateException e ? e : new IllegalStateException("a kernel thread failed", f);
    }

    private static void invoke(MethodHandle entry, MemorySegment buffers, MemorySegment sizes, long lo, long hi) {
        try {
            entry.invokeExact(buffers, sizes, lo, hi);
        } catch (Throwable t) {
            throw new IllegalStateException("kernel call failed", t);
        }
    }

    private final class Worker implements Runnable {
        final int slice;
        final Thread thread;
        volatile boolean parked;

        Worker(int slice) {
            this.slice = slice;
            this.thread = new Thread(this, "strata-kernel-" + slice);
            thread.setDaemon(true);
        }

        @Override public void run() {
            long seen = 0;
            long idleSince = System.nanoTime();
            while (!closed) {
                Task k = task;
                if (k.generation() != seen) {
                    seen = k.generation();
                    if (slice < k.parts()) {
                        long lo = k.extent() * slice / k.parts(), hi = k.extent() * (slice + 1) / k.parts();
                        try {
                            invoke(k.entry(), k.buffers(), k.sizes(), lo, hi);
                        } catch (Throwable t) {
                            failure = t;
                        }
                        pending.decrementAndGet();
                    }
                    idleSince = System.nanoTime();
                    continue;
                }
                if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                if (task.generation() == seen && !closed) LockSupport.park(this);
                parked = false;
                idleSince = System.nanoTime();
            }
        }
    }

    @Override public void close() {
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w.thread);
    }
}
