package strata.runtime;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import strata.compiler.llvm.IrModule;
import strata.compiler.llvm.Jit;
import strata.compiler.llvm.MatmulCodegen;
import strata.compiler.llvm.MatmulCodegen.Blocking;

/**
 * An f32 matmul {@code C = A @ B} (or with A or B transposed) JIT-compiled for this CPU by
 * {@link MatmulCodegen}, run on a {@link KernelPool}: first A is packed (split over its panels),
 * then each thread computes its share of C's columns with its own packed B block. Owns its
 * packing buffers, so one instance runs one matmul at a time.
 */
public final class CpuMatmul implements AutoCloseable {
    private static final String NAME = "matmul";
    private final boolean transposeA, transposeB;
    private final Blocking blocking;
    private final Jit jit;
    private final MethodHandle packA, compute;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment args = arena.allocate(ADDRESS, 7), sizes = arena.allocate(JAVA_LONG, 7);
    private final boolean withInit, withMul;
    private Arena packedAArena = Arena.ofShared(), workspaceArena = Arena.ofShared();
    private MemorySegment packedA = MemorySegment.NULL, workspace = MemorySegment.NULL;

    private CpuMatmul(boolean transposeA, boolean transposeB, boolean withInit, boolean withMul, Blocking blocking, Jit jit, MethodHandle packA,
                      MethodHandle compute) {
        this.transposeA = transposeA;
        this.transposeB = transposeB;
        this.withInit = withInit;
        this.withMul = withMul;
        this.blocking = blocking;
        this.jit = jit;
        this.packA = packA;
        this.compute = compute;
    }

    public static CpuMatmul compile(boolean transposeB) { return compile(transposeB, Blocking.forThisCpu()); }

    public static CpuMatmul compile(boolean transposeB, Blocking blocking) { return compile(transposeB, false, blocking); }

    /** With {@code withInit}, {@link #run(KernelPool, MemorySegment, MemorySegment, MemorySegment, MemorySegment, long, long, long, long)} adds C to a bias or residual. */
    public static CpuMatmul compile(boolean transposeB, boolean withInit, Blocking blocking) {
        return compile(transposeB, withInit, MatmulCodegen.Activation.NONE, blocking);
    }

    /** With an activation applied to C after the product (and the init operand) is complete. */
    public static CpuMatmul compile(boolean transposeB, boolean withInit, MatmulCodegen.Activation activation, Blocking blocking) {
        return compile(transposeB, withInit, activation, false, blocking);
    }

    /** With {@code withMul}, C is finally multiplied by a gate operand of C's shape (the product of a gated FFN). */
    public static CpuMatmul compile(boolean transposeB, boolean withInit, MatmulCodegen.Activation activation, boolean withMul, Blocking blocking) {
        return compile(transposeB, withInit, activation, withMul, blocking, strata.compiler.llvm.CompileCache.defaultCache());
    }

    /**
     * Compiles the GEMM for one layout, init operand, activation and gate, or loads its object code
     * from the cache, keyed by the unoptimized IR itself (emitting it takes milliseconds; optimizing it, seconds).
     */
    public static CpuMatmul compile(boolean transposeB, boolean withInit, MatmulCodegen.Activation activation, boolean withMul, Blocking blocking,
                                    strata.compiler.llvm.CompileCache cache) {
        return compile(false, transposeB, withInit, activation, withMul, blocking, cache);
    }

    /** A [K, M] when {@code transposeA}: C = A^T @ B, the {@code X^T dY} of a weight's gradient. */
    public static CpuMatmul compile(boolean transposeA, boolean transposeB, boolean withInit, MatmulCodegen.Activation activation, boolean withMul,
                                    Blocking blocking) {
        return compile(transposeA, transposeB, withInit, activation, withMul, blocking, strata.compiler.llvm.CompileCache.defaultCache());
    }

    /**
     * The general form; the cache key is the IR, which differs with every option (the packing
     * of a transposed A included), so no two variants share object code.
     */
    public static CpuMatmul compile(boolean transposeA, boolean transposeB, boolean withInit, MatmulCodegen.Activation activation, boolean withMul,
                                    Blocking blocking, strata.compiler.llvm.CompileCache cache) {
        IrModule m = new IrModule(NAME);
        MatmulCodegen.emit(m, NAME, transposeA, transposeB, blocking, withInit, activation, withMul);
        String key = strata.compiler.llvm.CompileCache.key(m.ir());
        byte[] object = cache.get(key).orElse(null);
        try {
            if (object == null) {
                m.optimize();
                object = strata.compiler.llvm.ObjectCode.emit(m);
                cache.put(key, object);
            }
        } finally {
            m.dispose();
        }
        Jit jit = new Jit();
        jit.addObject(object);
        FunctionDescriptor entry = FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG);
        Linker l = Linker.nativeLinker();
        return new CpuMatmul(transposeA, transposeB, withInit, withMul, blocking, jit,
                l.downcallHandle(jit.lookup(NAME + "_pack_a"), entry), l.downcallHandle(jit.lookup(NAME), entry));
    }

    public boolean transposeB() { return transposeB; }

    public boolean transposeA() { return transposeA; }

    /**
     * C[M,N] = A @ B, A being [M,K], or [K,M] when transposed, B [K,N], or [N,K] when transposed; all row-major f32 in native
     * memory. Refuses segments smaller than their shapes before any native code runs.
     */
    public void run(KernelPool pool, MemorySegment a, MemorySegment b, MemorySegment c, long rows, long n, long k) {
        if (withInit) throw new IllegalStateException("this matmul was compiled with an init operand; pass it");
        run(pool, a, b, c, MemorySegment.NULL, 0, rows, n, k);
    }

    /**
     * C = init + A @ B where init is a bias [N] ({@code initStride} 0) or a residual [M, N]
     * ({@code initStride} N), added in the same pass that writes C.
     */
    public void run(KernelPool pool, MemorySegment a, MemorySegment b, MemorySegment c, MemorySegment init, long initStride, long rows, long n, long k) {
        run(pool, a, b, c, init, initStride, MemorySegment.NULL, false, rows, n, k);
    }

    /**
     * C = act(init + A @ B) * gate, the gate [M, N] read after the activation in the pass that
     * writes C; with {@code accumulate}, C = act(C + init + A @ B) * gate (C holds a residual
     * already: the in-place form of a residual epilogue).
     */
    public void run(KernelPool pool, MemorySegment a, MemorySegment b, MemorySegment c, MemorySegment init, long initStride, MemorySegment gate,
                    boolean accumulate, long rows, long n, long k) {
        if (withMul) need("gate", gate, rows * n, "[" + rows + ", " + n + "]");
        else if (gate.byteSize() > 0) throw new IllegalStateException("this matmul was compiled without a gate operand");
        if (withInit) {
            if (initStride != 0 && initStride != n) throw new IllegalArgumentException("an init operand's row stride is 0 (bias) or N, got " + initStride);
            need("init", init, initStride == 0 ? n : rows * n, initStride == 0 ? "[" + n + "]" : "[" + rows + ", " + n + "]");
        }
        if (rows < 1 || n < 1 || k < 1) throw new IllegalArgumentException("matmul sizes must be >= 1, got M=" + rows + " N=" + n + " K=" + k);
        need("A", a, rows * k, transposeA ? "[" + k + ", " + rows + "]" : "[" + rows + ", " + k + "]");
        need("B", b, k * n, transposeB ? "[" + n + ", " + k + "]" : "[" + k + ", " + n + "]");
        need("C", c, rows * n, "[" + rows + ", " + n + "]");
        int slots = pool.threads();
        long aBytes = blocking.packedAFloats(rows, k) * Float.BYTES, wBytes = blocking.workspaceFloats() * slots * Float.BYTES;
        if (packedA.byteSize() < aBytes) {
            packedAArena.close();
            packedAArena = Arena.ofShared();
            packedA = packedAArena.allocate(aBytes, 64);
        }
        if (workspace.byteSize() < wBytes) {
            workspaceArena.close();
            workspaceArena = Arena.ofShared();
            // 64-byte alignment: the kernel loads packed B with aligned zmm loads
            workspace = workspaceArena.allocate(wBytes, 64);
        }
        args.setAtIndex(ADDRESS, 0, a);
        args.setAtIndex(ADDRESS, 1, b);
        args.setAtIndex(ADDRESS, 2, c);
        args.setAtIndex(ADDRESS, 3, packedA);
        args.setAtIndex(ADDRESS, 4, workspace);
        args.setAtIndex(ADDRESS, 5, withInit ? init : MemorySegment.NULL);
        args.setAtIndex(ADDRESS, 6, withMul ? gate : MemorySegment.NULL);
        sizes.setAtIndex(JAVA_LONG, 5, initStride);
        sizes.setAtIndex(JAVA_LONG, 6, accumulate ? 1 : 0);
        sizes.setAtIndex(JAVA_LONG, 0, rows);
        sizes.setAtIndex(JAVA_LONG, 1, n);
        sizes.setAtIndex(JAVA_LONG, 2, k);
        sizes.setAtIndex(JAVA_LONG, 3, slots);
        sizes.setAtIndex(JAVA_LONG, 4, blocking.slotsAlongN(n, slots));
        pool.run(packA, args, sizes, blocking.aPanels(rows));
        pool.run(compute, args, sizes, slots);
    }

    private static void need(String what, MemorySegment s, long floats, String shape) {
        if (s.byteSize() < floats * Float.BYTES)
            throw new IllegalArgumentException("matmul operand " + what + " should hold f32" + shape + " (" + floats * Float.BYTES
                    + " bytes) but has " + s.byteSize() + " bytes");
    }

    @Override public void close() {
        jit.close();
        arena.close();
        packedAArena.close();
        workspaceArena.close();
    }
}
