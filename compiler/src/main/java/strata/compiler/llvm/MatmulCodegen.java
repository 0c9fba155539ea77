package strata.compiler.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import org.bytedeco.llvm.LLVM.LLVMTypeRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;

/**
 * Generates an f32 matmul {@code C[M,N] = A[M,K] @ B} (B row-major [K,N], or [N,K] when
 * {@code transposeB}: the {@code x @ W^T} of a Linear layer; A row-major [M,K], or [K,M] when
 * {@code transposeA}: the {@code X^T dY} of a weight's gradient) with the structure of BLIS
 * (Van Zee and van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS
 * Functionality", TOMS 2015; Goto and van de Geijn, "Anatomy of High-Performance Matrix
 * Multiplication", TOMS 2008): operands packed into panels, a register-blocked micro-kernel.
 *
 * <p>Two entries, both with the uniform signature {@code void f(ptr buffers, ptr sizes, i64 lo,
 * i64 hi)}, buffers = [A, B, C, packedA, workspace, init, mul], sizes = [M, N, K, S, SN, init stride,
 * accumulate] (init and mul only in the variants that have them; accumulate nonzero: C holds a
 * residual already and init + the product is added to it, so a residual can be C's own memory):
 * <ol>
 *   <li>{@code <name>_pack_a} packs A into MR-row panels, over A panels [lo, hi) (all of K, zero
 *       rows past M). Panel i holds {@code A[i*MR + r][k]} at {@code i*MR*K + k*MR + r}.</li>
 *   <li>{@code <name>} computes C, over slots [lo, hi) of S. The slots form a grid of S/SN
 *       row groups by SN column groups ({@link Blocking#slotsAlongN}); slot s owns its share of
 *       the NR-column panels and MR-row panels of C, and the workspace slice
 *       {@link Blocking#workspaceFloats()} at s, where it packs its KC x NC blocks of B.</li>
 * </ol>
 * Call the first, wait, then the second (a pool's run returns when every slice is done).
 *
 * <p>Loop order, with the roles of BLIS's operands exchanged because C is row-major and our
 * vectors run along N: for each NC block of the slot's columns, for each KC slice of K, pack
 * the B block (KC x NC: L2), then for each A panel (MR x KC micro-panel: L1, broadcast from),
 * for each B panel (KC x NR: streamed from L2 as vectors), one micro-kernel call.
 */
public final class MatmulCodegen {
    private static final int LANES = 16;

    /**
     * Register and cache blocking. MR x NR accumulators of {@code <16 x float>}: MR*NR/16 of the
     * 32 zmm registers, plus NR/16 for the B row and one broadcast. KC bounds the A micro-panel
     * (MR*KC*4 bytes) to about half of the 32 KiB L1d; NC makes the packed B block (KC*NC*4
     * bytes) about half to three quarters of the 1 MiB L2 that each Zen 5 core owns.
     *
     * <p>For znver5: 12 x 32 (24 accumulators), KC = 256 (A micro-panel 12 KiB), NC = 512
     * (B block 512 KiB). Measured on 2 threads against 6x64, 8x48, 14x32 and KC = 384: all
     * within the run-to-run noise (a few percent), at about 95% of the machine's register-only
     * zmm FMA throughput; 16 x 32 (32 accumulators) spills.
     */
    public record Blocking(int mr, int nr, int kc, int nc) {
        public Blocking {
            if (mr < 1 || nr < LANES || nr % LANES != 0 || kc < 1 || nc < nr || nc % nr != 0)
                throw new IllegalArgumentException("bad blocking " + mr + "x" + nr + " kc=" + kc + " nc=" + nc);
        }

        public static Blocking forThisCpu() { return new Blocking(12, 32, 256, 512); }

        /** Floats of one slot's workspace: one packed B block. */
        public long workspaceFloats() { return (long) kc * nc; }

        /** Floats of packed A for an M x K operand. */
        public long packedAFloats(long m, long k) { return ceilDiv(m, mr) * mr * k; }

        public long aPanels(long m) { return ceilDiv(m, mr); }

        /**
         * How many of {@code slots} split C's columns (the rest split its rows): all of them
         * when there are enough column panels, so that each B element is packed once; else 1.
         */
        public long slotsAlongN(long n, long slots) { return ceilDiv(n, nr) >= slots ? slots : 1; }
    }

    private final IrModule m;
    private final String name;
    private final boolean transposeA, transposeB;
    private final Blocking bl;
    /** C starts from an init operand (buffers[5], row stride sizes[5]): a bias (stride 0) or a residual (stride N). */
    private final boolean withInit;
    private final Activation activation;
    /**
     * C ends multiplied by a gate operand of C's shape (buffers[6], row stride N), after the
     * activation: {@code act(x @ W1^T) * g}, the product of a gated FFN (SwiGLU, Shazeer 2020).
     */
    private final boolean withMul;

    /**
     * An activation applied to C in the stores of the last K slice: GELU in its erf or tanh form
     * (Hendrycks and Gimpel 2016), SiLU {@code x * sigmoid(x)} (Elfwing et al. 2018; Ramachandran
     * et al. 2017 as swish), the same formulas as the reference interpreter.
     */
    public enum Activation {
        NONE, GELU_ERF, GELU_TANH, SILU;

        LLVMValueRef apply(IrModule m, LLVMValueRef x) {
            LLVMTypeRef t = LLVMTypeOf(x);
            if (this == SILU) return m.fmul(x, VectorMath.sigmoid(m, x));
            LLVMValueRef inner = switch (this) {
                case NONE, SILU -> null;
                case GELU_ERF -> VectorMath.erf(m, m.fmul(x, m.constReal(t, 1 / Math.sqrt(2))));
                case GELU_TANH -> VectorMath.tanh(m, m.fmul(m.constReal(t, Math.sqrt(2 / Math.PI)),
                        m.fadd(x, m.fmul(m.constReal(t, 0.044715), m.fmul(m.fmul(x, x), x)))));
            };
            return inner == null ? x : m.fmul(m.fmul(m.constReal(t, 0.5), x), m.fadd(m.constReal(t, 1), inner));
        }
    }
    private final LLVMTypeRef f32, i64, vec;

    private MatmulCodegen(IrModule m, String name, boolean transposeA, boolean transposeB, Blocking bl, boolean withInit, Activation activation,
                          boolean withMul) {
        this.m = m;
        this.transposeA = transposeA;
        this.withMul = withMul;
        this.withInit = withInit;
        this.activation = activation;
        this.name = name;
        this.transposeB = transposeB;
        this.bl = bl;
        f32 = m.f32();
        i64 = m.i64();
        vec = m.vector(f32, LANES);
    }

    /** Adds {@code <name>_pack_a} and {@code <name>} (and their internal helpers) to the module. */
    public static void emit(IrModule m, String name, boolean transposeB, Blocking bl) {
        emit(m, name, transposeB, bl, false);
    }

    /**
     * As {@link #emit(IrModule, String, boolean, Blocking)}; with {@code withInit} the product is
     * added to an init operand in the micro-kernel's first stores (the epilogue of {@code
     * x @ W^T + b} and of a residual {@code r + x @ W^T}), so C is written once.
     */
    public static void emit(IrModule m, String name, boolean transposeB, Blocking bl, boolean withInit) {
        emit(m, name, transposeB, bl, withInit, Activation.NONE);
    }

    /** With an activation too, applied in the stores of the last K slice. */
    public static void emit(IrModule m, String name, boolean transposeB, Blocking bl, boolean withInit, Activation activation) {
        emit(m, name, transposeB, bl, withInit, activation, false);
    }

    /** With a gate operand too, multiplied into C after the activation in the stores of the last K slice. */
    public static void emit(IrModule m, String name, boolean transposeB, Blocking bl, boolean withInit, Activation activation, boolean withMul) {
        emit(m, name, false, transposeB, bl, withInit, activation, withMul);
    }

    /**
     * With A given as [K, M] when {@code transposeA} (C = A^T @ B): only the packing of A
     * changes, since the packed panels are k-major anyway and the micro-kernel reads those.
     */
    public static void emit(IrModule m, String name, boolean transposeA, boolean transposeB, Blocking bl, boolean withInit, Activation activation,
                            boolean withMul) {
        MatmulCodegen g = new MatmulCodegen(m, name, transposeA, transposeB, bl, withInit, activation, withMul);
        LLVMValueRef kernel = g.microKernel();
        LLVMValueRef packB = g.packB();
        g.packAEntry();
        g.computeEntry(kernel, packB);
    }

    static long ceilDiv(long a, long b) { return (a + b - 1) / b; }

    private LLVMValueRef c(long v) { return m.constI64(v); }

    private LLVMValueRef internal(LLVMValueRef fn) {
        LLVMSetLinkage(fn, LLVMInternalLinkage);
        return fn;
    }

    private LLVMValueRef arg(LLVMValueRef entry, int which, int i, LLVMTypeRef t) {
        return m.load(t, m.gep(t, m.param(entry, which), c(i)));
    }

    // ---------------------------------------------------------------- micro-kernel

    /**
     * {@code kernel(a, b, c, ldc, kc, mr, nr, first)}: the MR x NR tile at c (row stride ldc)
     * becomes (first ? 0 : tile) + a-panel @ b-panel over kc steps. Each step loads NR/16 vectors
     * of B, broadcasts MR scalars of A and issues MR*NR/16 FMAs into register accumulators.
     * Partial tiles (mr < MR or nr < NR, at the edges of C) go through a stack tile. An
     * epilogue (bias, activation, residual) belongs in the stores here, after the last K slice.
     */
    /** Whether the stores of the last K slice differ from the others (an activation or a gate to apply). */
    private boolean lastSliceEpilogue() { return activation != Activation.NONE || withMul; }

    private LLVMValueRef microKernel() {
        int mr = bl.mr(), nv = bl.nr() / LANES, nr = bl.nr();
        java.util.List<LLVMTypeRef> ps = new java.util.ArrayList<>(java.util.List.of(m.ptr(), m.ptr(), m.ptr(), i64, i64, i64, i64, m.i1()));
        if (withInit) ps.addAll(java.util.List.of(m.ptr(), i64));
        if (lastSliceEpilogue()) ps.add(m.i1());
        if (withMul) ps.add(m.ptr());
        ps.add(m.i1()); // fromC: the first slice starts from C's own values (a residual already there) too
        LLVMValueRef fn = internal(m.function(name + "_kernel", m.voidType(), ps.toArray(LLVMTypeRef[]::new)));
        LLVMValueRef a = m.param(fn, 0), b = m.param(fn, 1), cp = m.param(fn, 2), ldc = m.param(fn, 3), kc = m.param(fn, 4),
                mrEff = m.param(fn, 5), nrEff = m.param(fn, 6), first = m.param(fn, 7);
        LLVMValueRef ip = withInit ? m.param(fn, 8) : null, ldi = withInit ? m.param(fn, 9) : null;
        LLVMValueRef last = lastSliceEpilogue() ? m.param(fn, withInit ? 10 : 8) : null;
        LLVMValueRef gp = withMul ? m.param(fn, withInit ? 11 : 9) : null; // the gate tile, row stride ldc like C
        LLVMValueRef fromC = m.param(fn, ps.size() - 1);
        LLVMValueRef[] init = new LLVMValueRef[mr * nv];
        for (int j = 0; j < init.length; j++) init[j] = m.zero(vec);
        LLVMValueRef[] acc = m.loop(fn, c(0), kc, init, (k, cur) -> {
            LLVMValueRef[] bv = new LLVMValueRef[nv];
            LLVMValueRef brow = m.mulI(k, c(nr)), arow = m.mulI(k, c(mr));
            for (int v = 0; v < nv; v++) bv[v] = m.load(vec, m.gep(f32, b, m.addI(brow, c((long) v * LANES))), 64);
            LLVMValueRef[] next = new LLVMValueRef[cur.length];
            for (int r = 0; r < mr; r++) {
                LLVMValueRef av = m.splat(m.load(f32, m.gep(f32, a, m.addI(arow, c(r))), 4), LANES);
                for (int v = 0; v < nv; v++) next[r * nv + v] = m.intrinsic("llvm.fma", vec, av, bv[v], cur[r * nv + v]);
            }
            return next;
        });
        LLVMValueRef full = m.and(m.icmp(LLVMIntEQ, mrEff, c(mr)), m.icmp(LLVMIntEQ, nrEff, c(nr)));
        m.ifElse(fn, full, () -> {
            for (int r = 0; r < mr; r++)
                for (int v = 0; v < nv; v++) {
                    LLVMValueRef p = m.gep(f32, cp, m.addI(m.mulI(c(r), ldc), c((long) v * LANES)));
                    int j = r * nv + v;
                    long lane = (long) v * LANES, row = r;
                    if (lastSliceEpilogue()) {
                        // start (init, zero or the partial sum so far) + this slice, activated (and gated) after the last slice
                        LLVMValueRef start = start(vec, fromC, p, withInit ? m.gep(f32, ip, m.addI(m.mulI(c(row), ldi), c(lane))) : null);
                        LLVMValueRef sum = m.fadd(m.select(first, start, m.load(vec, p, 4)), acc[j]);
                        LLVMValueRef gate = withMul ? m.load(vec, m.gep(f32, gp, m.addI(m.mulI(c(row), ldc), c(lane))), 4) : null;
                        m.store(m.select(last, finish(sum, gate), sum), p, 4);
                    } else m.ifElse(fn, first, () -> m.store(m.fadd(
                            start(vec, fromC, p, withInit ? m.gep(f32, ip, m.addI(m.mulI(c(row), ldi), c(lane))) : null), acc[j]), p, 4),
                            () -> m.store(m.fadd(m.load(vec, p, 4), acc[j]), p, 4));
                }
        }, () -> {
            LLVMValueRef tile = m.alloca(fn, LLVMArrayType2(f32, (long) mr * nr), "tile");
            for (int r = 0; r < mr; r++)
                for (int v = 0; v < nv; v++) m.store(acc[r * nv + v], m.gep(f32, tile, c((long) r * nr + (long) v * LANES)), 4);
            m.loop(fn, c(0), mrEff, r -> m.loop(fn, c(0), nrEff, col -> {
                LLVMValueRef x = m.load(f32, m.gep(f32, tile, m.addI(m.mulI(r, c(nr)), col)));
                LLVMValueRef p = m.gep(f32, cp, m.addI(m.mulI(r, ldc), col));
                LLVMValueRef start = start(f32, fromC, p, withInit ? m.gep(f32, ip, m.addI(m.mulI(r, ldi), col)) : null);
                LLVMValueRef old = m.select(first, start, m.load(f32, p));
                LLVMValueRef sum = m.fadd(old, x);
                LLVMValueRef gate = withMul ? m.load(f32, m.gep(f32, gp, m.addI(m.mulI(r, ldc), col))) : null;
                m.store(last == null ? sum : m.select(last, finish(sum, gate), sum), p);
            }));
        });
        m.retVoid();
        return fn;
    }

    /** What the first K slice adds its product to: the init operand (at {@code init}) or zero, plus C's own value when fromC. */
    private LLVMValueRef start(LLVMTypeRef t, LLVMValueRef fromC, LLVMValueRef p, LLVMValueRef init) {
        LLVMValueRef zero = t == f32 ? m.constF32(0) : m.zero(t);
        LLVMValueRef own = m.select(fromC, m.load(t, p, 4), zero);
        return init == null ? own : m.fadd(m.load(t, init, 4), own);
    }

    /** The value stored after the last K slice: the activation, times the gate when there is one. */
    private LLVMValueRef finish(LLVMValueRef sum, LLVMValueRef gate) {
        LLVMValueRef y = activation.apply(m, sum);
        return gate == null ? y : m.fmul(y, gate);
    }

    // ---------------------------------------------------------------- packing

    /** Entry over A panels [lo, hi): panel i gets rows i*MR.. of A, k-major, zero rows past M. */
    private void packAEntry() {
        int mr = bl.mr();
        LLVMValueRef fn = m.function(name + "_pack_a", m.voidType(), m.ptr(), m.ptr(), i64, i64);
        LLVMValueRef a = arg(fn, 0, 0, m.ptr()), ap = arg(fn, 0, 3, m.ptr());
        LLVMValueRef rows = arg(fn, 1, 0, i64), k = arg(fn, 1, 2, i64);
        m.loop(fn, m.param(fn, 2), m.param(fn, 3), i -> {
            LLVMValueRef row0 = m.mulI(i, c(mr));
            LLVMValueRef dst = m.gep(f32, ap, m.mulI(row0, k));
            LLVMValueRef mrEff = m.minI(c(mr), m.subI(rows, row0));
            if (transposeA) // A is [K, M]: the panel's k-th column of MR values is contiguous in A's row k
                m.ifElse(fn, m.icmp(LLVMIntEQ, mrEff, c(mr)), () -> packColumns(fn, a, dst, row0, rows, k, mr, null),
                        () -> packColumns(fn, a, dst, row0, rows, k, mr, mrEff));
            else m.ifElse(fn, m.icmp(LLVMIntEQ, mrEff, c(mr)), () -> packRows(fn, a, dst, row0, k, k, mr, null), () -> packRows(fn, a, dst, row0, k, k, mr, mrEff));
        });
        m.retVoid();
    }

    /**
     * {@code dst[kk*width + r] = src[(first + r)*stride + kk]} for kk < count, r < width: width read
     * streams and one width-wide vector store per kk (a scalar loop here is vectorized into
     * scatters, which are slow on Zen). With {@code valid} set, lanes r >= valid read the last
     * valid row (never out of bounds) and store zero.
     */
    private void packRows(LLVMValueRef fn, LLVMValueRef src, LLVMValueRef dst, LLVMValueRef first, LLVMValueRef stride, LLVMValueRef count, int width,
                          LLVMValueRef valid) {
        LLVMValueRef[] rowStart = new LLVMValueRef[width];
        for (int r = 0; r < width; r++) {
            LLVMValueRef row = valid == null ? c(r) : m.minI(c(r), m.subI(valid, c(1)));
            rowStart[r] = m.gep(f32, src, m.mulI(m.addI(first, row), stride));
        }
        m.loop(fn, c(0), count, kk -> {
            for (int v = 0; v < width; v += LANES) {
                LLVMValueRef[] xs = new LLVMValueRef[Math.min(LANES, width - v)];
                for (int l = 0; l < xs.length; l++) {
                    LLVMValueRef x = m.load(f32, m.gep(f32, rowStart[v + l], kk));
                    xs[l] = valid == null ? x : m.select(m.icmp(LLVMIntSLT, c(v + l), valid), x, m.constF32(0));
                }
                m.store(m.vectorOf(xs), m.gep(f32, dst, m.addI(m.mulI(kk, c(width)), c(v))), width % LANES == 0 ? 64 : 4);
            }
        });
    }

    /**
     * {@code dst[kk*width + r] = src[kk*stride + first + r]} for kk < count, r < width: one
     * width-wide load and store per kk, the packing of a transposed operand whose panel rows are
     * contiguous. With {@code valid} set, lanes r >= valid read the last valid column (never out
     * of bounds) and store zero.
     */
    private void packColumns(LLVMValueRef fn, LLVMValueRef src, LLVMValueRef dst, LLVMValueRef first, LLVMValueRef stride, LLVMValueRef count,
                             int width, LLVMValueRef valid) {
        LLVMTypeRef wide = m.vector(f32, width);
        m.loop(fn, c(0), count, kk -> {
            LLVMValueRef base = m.gep(f32, src, m.addI(m.mulI(kk, stride), first));
            LLVMValueRef to = m.gep(f32, dst, m.mulI(kk, c(width)));
            if (valid == null) {
                m.store(m.load(wide, base, 4), to, 4);
                return;
            }
            LLVMValueRef[] xs = new LLVMValueRef[width];
            for (int r = 0; r < width; r++) {
                LLVMValueRef x = m.load(f32, m.gep(f32, base, m.minI(c(r), m.subI(valid, c(1)))));
                xs[r] = m.select(m.icmp(LLVMIntSLT, c(r), valid), x, m.constF32(0));
            }
            m.store(m.vectorOf(xs), to, 4);
        });
    }

    /**
     * {@code packB(b, dst, n, k, panel0, panels, pc, kc)}: panels [panel0, panel0+panels) of
     * the rows [pc, pc+kc) of B become consecutive KC x NR blocks of dst ({@code dst[j*NR*kc +
     * kk*NR + col]}), zero columns past N.
     */
    private LLVMValueRef packB() {
        int nr = bl.nr(), nv = nr / LANES;
        LLVMValueRef fn = internal(m.function(name + "_pack_b", m.voidType(), m.ptr(), m.ptr(), i64, i64, i64, i64, i64, i64));
        LLVMValueRef b = m.param(fn, 0), dst = m.param(fn, 1), n = m.param(fn, 2), k = m.param(fn, 3), panel0 = m.param(fn, 4),
                panels = m.param(fn, 5), pc = m.param(fn, 6), kc = m.param(fn, 7);
        m.loop(fn, c(0), panels, j -> {
            LLVMValueRef col0 = m.mulI(m.addI(panel0, j), c(nr));
            LLVMValueRef d = m.gep(f32, dst, m.mulI(j, m.mulI(c(nr), kc)));
            LLVMValueRef nrEff = m.minI(c(nr), m.subI(n, col0));
            LLVMValueRef full = m.icmp(LLVMIntEQ, nrEff, c(nr));
            if (transposeB) {
                // B is [N, K]: the panel's columns are rows of B, starting at column pc
                LLVMValueRef src = m.gep(f32, b, pc);
                m.ifElse(fn, full, () -> packRows(fn, src, d, col0, k, kc, nr, null), () -> packRows(fn, src, d, col0, k, kc, nr, nrEff));
            } else {
                m.ifElse(fn, full, () -> m.loop(fn, c(0), kc, kk -> {
                    LLVMValueRef s = m.gep(f32, b, m.addI(m.mulI(m.addI(pc, kk), n), col0));
                    for (int v = 0; v < nv; v++)
                        m.store(m.load(vec, m.gep(f32, s, c((long) v * LANES)), 4), m.gep(f32, d, m.addI(m.mulI(kk, c(nr)), c((long) v * LANES))), 64);
                }), () -> m.loop(fn, c(0), kc, kk -> {
                    // the last panel: lanes past N read column N-1 and store zero
                    LLVMValueRef s = m.gep(f32, b, m.mulI(m.addI(pc, kk), n));
                    for (int v = 0; v < nv; v++) {
                        LLVMValueRef[] xs = new LLVMValueRef[LANES];
                        for (int l = 0; l < LANES; l++) {
                            LLVMValueRef col = m.minI(c(v * LANES + l), m.subI(nrEff, c(1)));
                            LLVMValueRef x = m.load(f32, m.gep(f32, s, m.addI(col0, col)));
                            xs[l] = m.select(m.icmp(LLVMIntSLT, c(v * LANES + l), nrEff), x, m.constF32(0));
                        }
                        m.store(m.vectorOf(xs), m.gep(f32, d, m.addI(m.mulI(kk, c(nr)), c((long) v * LANES))), 64);
                    }
                }));
            }
        });
        m.retVoid();
        return fn;
    }

    // ---------------------------------------------------------------- the compute entry

    private void computeEntry(LLVMValueRef kernel, LLVMValueRef packB) {
        int mr = bl.mr(), nr = bl.nr(), kcMax = bl.kc(), ncPanels = bl.nc() / nr;
        LLVMValueRef fn = m.function(name, m.voidType(), m.ptr(), m.ptr(), i64, i64);
        LLVMValueRef b = arg(fn, 0, 1, m.ptr()), cm = arg(fn, 0, 2, m.ptr()), ap = arg(fn, 0, 3, m.ptr()), ws = arg(fn, 0, 4, m.ptr());
        LLVMValueRef rows = arg(fn, 1, 0, i64), n = arg(fn, 1, 1, i64), k = arg(fn, 1, 2, i64), slots = arg(fn, 1, 3, i64),
                alongN = arg(fn, 1, 4, i64), alongM = m.sdiv(slots, alongN);
        LLVMValueRef init = withInit ? arg(fn, 0, 5, m.ptr()) : null, ldi = withInit ? arg(fn, 1, 5, i64) : null;
        LLVMValueRef gate = withMul ? arg(fn, 0, 6, m.ptr()) : null;
        LLVMValueRef accumulate = arg(fn, 1, 6, i64);
        LLVMValueRef np = m.sdiv(m.addI(n, c(nr - 1)), c(nr)), mp = m.sdiv(m.addI(rows, c(mr - 1)), c(mr));
        LLVMValueRef kBlocks = m.sdiv(m.addI(k, c(kcMax - 1)), c(kcMax));
        LLVMTypeRef kernelType = LLVMGlobalGetValueType(kernel), packType = LLVMGlobalGetValueType(packB);
        m.loop(fn, m.param(fn, 2), m.param(fn, 3), s -> {
            LLVMValueRef sn = m.srem(s, alongN), sm = m.sdiv(s, alongN);
            LLVMValueRef j0 = m.sdiv(m.mulI(sn, np), alongN), j1 = m.sdiv(m.mulI(m.addI(sn, c(1)), np), alongN);
            LLVMValueRef i0 = m.sdiv(m.mulI(sm, mp), alongM), i1 = m.sdiv(m.mulI(m.addI(sm, c(1)), mp), alongM);
            LLVMValueRef bp = m.gep(f32, ws, m.mulI(s, c(bl.workspaceFloats())));
            LLVMValueRef blocks = m.sdiv(m.addI(m.subI(j1, j0), c(ncPanels - 1)), c(ncPanels));
            m.loop(fn, c(0), blocks, jb -> {
                LLVMValueRef jc = m.addI(j0, m.mulI(jb, c(ncPanels)));
                LLVMValueRef jn = m.minI(c(ncPanels), m.subI(j1, jc));
                m.loop(fn, c(0), kBlocks, pb -> {
                    LLVMValueRef pc = m.mulI(pb, c(kcMax));
                    LLVMValueRef kc = m.minI(c(kcMax), m.subI(k, pc));
                    m.call(packB, packType, b, bp, n, k, jc, jn, pc, kc);
                    LLVMValueRef first = m.icmp(LLVMIntEQ, pb, c(0)), last = m.icmp(LLVMIntEQ, pb, m.subI(kBlocks, c(1)));
                    m.loop(fn, i0, i1, ip -> {
                        LLVMValueRef row0 = m.mulI(ip, c(mr));
                        LLVMValueRef aPanel = m.gep(f32, ap, m.addI(m.mulI(row0, k), m.mulI(pc, c(mr))));
                        LLVMValueRef mrEff = m.minI(c(mr), m.subI(rows, row0));
                        LLVMValueRef cRow = m.mulI(row0, n);
                        m.loop(fn, c(0), jn, j -> {
                            LLVMValueRef col0 = m.mulI(m.addI(jc, j), c(nr));
                            LLVMValueRef nrEff = m.minI(c(nr), m.subI(n, col0));
                            LLVMValueRef bPanel = m.gep(f32, bp, m.mulI(j, m.mulI(c(nr), kc)));
                            LLVMValueRef cTile = m.gep(f32, cm, m.addI(cRow, col0));
                            java.util.List<LLVMValueRef> args = new java.util.ArrayList<>(java.util.List.of(aPanel, bPanel, cTile, n, kc, mrEff, nrEff, first));
                            if (withInit) args.addAll(java.util.List.of(m.gep(f32, init, m.addI(m.mulI(row0, ldi), col0)), ldi));
                            if (lastSliceEpilogue()) args.add(last);
                            if (withMul) args.add(m.gep(f32, gate, m.addI(cRow, col0)));
                            args.add(m.icmp(LLVMIntNE, accumulate, c(0)));
                            m.call(kernel, kernelType, args.toArray(LLVMValueRef[]::new));
                        });
                    });
                });
            });
        });
        m.retVoid();
    }
}
