package strata.runtime;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of platform threads, one per core, that runs a kernel's parallel range as a few
 * contiguous slices; the calling thread takes slices too.
 *
 * <p>A training step or a small model launches hundreds of kernels of a few microseconds each,
 * so handing out work must cost less than that. Slices are claimed from a counter by whoever
 * comes first (the caller included), so the caller never waits for a worker that has not started:
 * on a busy machine, where a worker may be descheduled, the caller simply runs the slices itself.
 * Idle workers spin for a short while after each kernel (the next one usually follows within
 * microseconds) and then park, as OpenMP runtimes do with their spin-then-sleep barrier. The
 * ranges of the slices depend only on the extent and the thread count, never on which thread
 * runs them, so results are the same from run to run.
 */
public final class KernelPool implements AutoCloseable {
    /** How long an idle worker spins before it parks. */
    private static final long SPIN_NANOS = 50_000;
    /** Slices per thread: a few, so that a late worker leaves less for the others to wait on. */
    private static final int SLICES_PER_THREAD = 2;

    private final int threads;
    private final Worker[] workers;
    /** The current kernel; workers take slices of each task they have not seen yet. */
    private volatile Task task = new Task(0, null, null, null, 0, 0);
    private volatile boolean closed;

    private static final class Task {
        final long generation;
        final MethodHandle entry;
        final MemorySegment buffers, sizes;
        final long extent;
        final int parts;
        final AtomicInteger next = new AtomicInteger(), done = new AtomicInteger();
        volatile Throwable failure;

        Task(long generation, MethodHandle entry, MemorySegment buffers, MemorySegment sizes, long extent, int parts) {
            this.generation = generation;
            this.entry = entry;
            this.buffers = buffers;
            this.sizes = sizes;
            this.extent = extent;
            this.parts = parts;
        }

        /** Claims and runs slices until none is left. */
        void work() {
            for (int i = next.getAndIncrement(); i < parts; i = next.getAndIncrement()) {
                try {
                    invoke(entry, buffers, sizes, extent * i / parts, extent * (i + 1) / parts);
                } catch (Throwable t) {
                    failure = t;
                }
                done.incrementAndGet();
            }
        }
    }

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
        int parts = (int) Math.max(1, Math.min((long) threads * SLICES_PER_THREAD, extent));
        if (threads == 1 || parts == 1) {
            invoke(entry, buffers, sizes, 0, Math.max(extent, 1));
            return;
        }
        Task t = new Task(task.generation + 1, entry, buffers, sizes, extent, parts);
        task = t;
        for (Worker w : workers) if (w.parked) LockSupport.unpark(w.thread);
        t.work();
        // every slice is claimed; wait for the ones other threads are still running
        for (int spins = 0; t.done.get() != parts; spins++) {
            if (spins < 1_000) Thread.onSpinWait();
            else Thread.yield();
        }
        Throwable f = t.failure;
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
        final Thread thread;
        volatile boolean parked;

        Worker(int index) {
            this.thread = new Thread(this, "strata-kernel-" + index);
            thread.setDaemon(true);
        }

        @Override public void run() {
            long seen = 0, idleSince = System.nanoTime();
            while (!closed) {
                Task t = task;
                if (t.generation != seen) {
                    seen = t.generation;
                    t.work();
                    idleSince = System.nanoTime();
                    continue;
                }
                if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                if (task.generation == seen && !closed) LockSupport.park(this);
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
