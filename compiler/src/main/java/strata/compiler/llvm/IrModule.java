package strata.compiler.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import java.util.Arrays;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.llvm.LLVM.LLVMBasicBlockRef;
import org.bytedeco.llvm.LLVM.LLVMBuilderRef;
import org.bytedeco.llvm.LLVM.LLVMContextRef;
import org.bytedeco.llvm.LLVM.LLVMMemoryBufferRef;
import org.bytedeco.llvm.LLVM.LLVMMetadataRef;
import org.bytedeco.llvm.LLVM.LLVMModuleRef;
import org.bytedeco.llvm.LLVM.LLVMOrcThreadSafeContextRef;
import org.bytedeco.llvm.LLVM.LLVMTargetMachineRef;
import org.bytedeco.llvm.LLVM.LLVMTypeRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;

/**
 * One LLVM module under construction, with the few instructions kernels need. Built in the
 * thread-safe context that LLJIT will own; after {@link Jit#add} the module belongs to the JIT.
 * Every PointerPointer is made here from an explicit array: the one-argument constructor
 * reinterprets its argument as an array and crashes the JVM inside LLVM.
 */
public final class IrModule {
    final LLVMOrcThreadSafeContextRef tsc;
    final LLVMContextRef ctx;
    LLVMModuleRef mod;
    final LLVMBuilderRef b;
    private final int fastMath;

    public IrModule(String name) {
        Llvm.init();
        tsc = LLVMOrcCreateNewThreadSafeContext();
        ctx = LLVMOrcThreadSafeContextGetContext(tsc);
        mod = LLVMModuleCreateWithNameInContext(name, ctx);
        LLVMSetTarget(mod, Llvm.triple());
        b = LLVMCreateBuilderInContext(ctx);
        // reassociation and contraction let LLVM vectorize reductions and form FMAs; NaN and
        // infinity semantics are kept (masked scores are -inf)
        fastMath = LLVMFastMathAllowReassoc | LLVMFastMathAllowContract | LLVMFastMathNoSignedZeros;
    }

    // ---------------------------------------------------------------- types

    public LLVMTypeRef f32() { return LLVMFloatTypeInContext(ctx); }

    public LLVMTypeRef i64() { return LLVMInt64TypeInContext(ctx); }

    public LLVMTypeRef i32() { return LLVMInt32TypeInContext(ctx); }

    public LLVMTypeRef i1() { return LLVMInt1TypeInContext(ctx); }

    public LLVMTypeRef ptr() { return LLVMPointerTypeInContext(ctx, 0); }

    public LLVMTypeRef voidType() { return LLVMVoidTypeInContext(ctx); }

    public LLVMTypeRef vector(LLVMTypeRef elem, int n) { return LLVMVectorType(elem, n); }

    static PointerPointer<Pointer> array(Pointer... xs) {
        return new PointerPointer<>(xs);
    }

    // ---------------------------------------------------------------- functions and blocks

    /** An externally visible function; pointer parameters are marked noalias so loops vectorize. */
    public LLVMValueRef function(String name, LLVMTypeRef ret, LLVMTypeRef... params) {
        LLVMTypeRef fnType = LLVMFunctionType(ret, array(params), params.length, 0);
        LLVMValueRef fn = LLVMAddFunction(mod, name, fnType);
        int noalias = LLVMGetEnumAttributeKindForName("noalias", 7);
        for (int i = 0; i < params.length; i++)
            if (LLVMGetTypeKind(params[i]) == LLVMPointerTypeKind)
                LLVMAddAttributeAtIndex(fn, i + 1, LLVMCreateEnumAttribute(ctx, noalias, 0));
        LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, fn, "entry"));
        return fn;
    }

    public LLVMValueRef param(LLVMValueRef fn, int i) { return LLVMGetParam(fn, i); }

    public LLVMBasicBlockRef block(LLVMValueRef fn, String name) { return LLVMAppendBasicBlockInContext(ctx, fn, name); }

    public void at(LLVMBasicBlockRef bb) { LLVMPositionBuilderAtEnd(b, bb); }

    public LLVMBasicBlockRef current() { return LLVMGetInsertBlock(b); }

    public void br(LLVMBasicBlockRef to) { LLVMBuildBr(b, to); }

    public void condBr(LLVMValueRef c, LLVMBasicBlockRef t, LLVMBasicBlockRef f) { LLVMBuildCondBr(b, c, t, f); }

    public void retVoid() { LLVMBuildRetVoid(b); }

    /**
     * {@code for (i = lo; i < hi; i++) body(i)} as a canonical loop (preheader, header with a
     * phi, latch), the shape LLVM's loop vectorizer recognizes.
     */
    public void loop(LLVMValueRef fn, LLVMValueRef lo, LLVMValueRef hi, Consumer<LLVMValueRef> body) { loop(fn, lo, hi, 0, body); }

    /**
     * As {@link #loop(LLVMValueRef, LLVMValueRef, LLVMValueRef, Consumer)}; with {@code lanes} > 0
     * the loop is vectorized as written, {@code lanes} wide: its latch carries the loop hints
     * {@code llvm.loop.vectorize.enable}, {@code llvm.loop.vectorize.width} and
     * {@code llvm.loop.unroll.disable} (LLVM LangRef, "'llvm.loop' metadata"). Without them a
     * short inner loop of constant trip count is fully unrolled before the vectorizer runs, which
     * then vectorizes the enclosing loop instead, by gathers.
     */
    public void loop(LLVMValueRef fn, LLVMValueRef lo, LLVMValueRef hi, int lanes, Consumer<LLVMValueRef> body) {
        LLVMBasicBlockRef pre = current();
        LLVMBasicBlockRef head = block(fn, "loop"), exit = block(fn, "exit"), bodyBb = block(fn, "body");
        LLVMValueRef enter = icmp(LLVMIntSLT, lo, hi);
        condBr(enter, bodyBb, exit);
        at(bodyBb);
        LLVMValueRef i = LLVMBuildPhi(b, LLVMTypeOf(lo), "i");
        body.accept(i);
        LLVMValueRef next = LLVMBuildNSWAdd(b, i, LLVMConstInt(LLVMTypeOf(lo), 1, 0), "i.next");
        LLVMBasicBlockRef latch = current();
        LLVMValueRef more = icmp(LLVMIntSLT, next, hi);
        LLVMValueRef br = LLVMBuildCondBr(b, more, bodyBb, exit);
        if (lanes > 0) vectorizeHints(br, lanes);
        LLVMAddIncoming(i, array(lo, next), array(pre, latch), 2);
        LLVMDeleteBasicBlock(head);
        at(exit);
    }

    /** A distinct loop id (its first operand itself, as LLVM requires) holding the hints, on the latch branch. */
    private void vectorizeHints(LLVMValueRef latchBranch, int lanes) {
        LLVMMetadataRef enable = hint("llvm.loop.vectorize.enable", LLVMConstInt(i1(), 1, 0));
        LLVMMetadataRef width = hint("llvm.loop.vectorize.width", LLVMConstInt(i32(), lanes, 0));
        LLVMMetadataRef noUnroll = LLVMMDNodeInContext2(ctx, array(mdString("llvm.loop.unroll.disable")), 1);
        LLVMMetadataRef self = LLVMTemporaryMDNode(ctx, array(), 0);
        LLVMMetadataRef id = LLVMMDNodeInContext2(ctx, array(self, enable, width, noUnroll), 4);
        LLVMMetadataReplaceAllUsesWith(self, id);
        String kind = "llvm.loop";
        LLVMSetMetadata(latchBranch, LLVMGetMDKindIDInContext(ctx, kind, kind.length()), LLVMMetadataAsValue(ctx, id));
    }

    private LLVMMetadataRef mdString(String s) { return LLVMMDStringInContext2(ctx, s, s.length()); }

    private LLVMMetadataRef hint(String name, LLVMValueRef value) {
        return LLVMMDNodeInContext2(ctx, array(mdString(name), LLVMValueAsMetadata(value)), 2);
    }

    /**
     * {@code for (i = lo; i < hi; i++) vals = body(i, vals)} with loop-carried values (phis), so
     * that accumulators stay in registers; returns the values after the loop ({@code init} when
     * it runs zero times).
     */
    public LLVMValueRef[] loop(LLVMValueRef fn, LLVMValueRef lo, LLVMValueRef hi, LLVMValueRef[] init,
                               BiFunction<LLVMValueRef, LLVMValueRef[], LLVMValueRef[]> body) {
        LLVMBasicBlockRef pre = current();
        LLVMBasicBlockRef bodyBb = block(fn, "body"), exit = block(fn, "exit");
        condBr(icmp(LLVMIntSLT, lo, hi), bodyBb, exit);
        at(bodyBb);
        LLVMValueRef i = LLVMBuildPhi(b, LLVMTypeOf(lo), "i");
        LLVMValueRef[] cur = new LLVMValueRef[init.length];
        for (int j = 0; j < init.length; j++) cur[j] = LLVMBuildPhi(b, LLVMTypeOf(init[j]), "carried");
        LLVMValueRef[] next = body.apply(i, cur);
        if (next.length != init.length) throw new LlvmException("loop body returned " + next.length + " values for " + init.length);
        LLVMValueRef inext = LLVMBuildNSWAdd(b, i, LLVMConstInt(LLVMTypeOf(lo), 1, 0), "i.next");
        LLVMBasicBlockRef latch = current();
        condBr(icmp(LLVMIntSLT, inext, hi), bodyBb, exit);
        LLVMAddIncoming(i, array(lo, inext), array(pre, latch), 2);
        for (int j = 0; j < init.length; j++) LLVMAddIncoming(cur[j], array(init[j], next[j]), array(pre, latch), 2);
        at(exit);
        LLVMValueRef[] out = new LLVMValueRef[init.length];
        for (int j = 0; j < init.length; j++) {
            out[j] = LLVMBuildPhi(b, LLVMTypeOf(init[j]), "after");
            LLVMAddIncoming(out[j], array(init[j], next[j]), array(pre, latch), 2);
        }
        return out;
    }

    /** {@code if (c) then()}; the builder continues after the join. */
    public void ifThen(LLVMValueRef fn, LLVMValueRef c, Runnable then) {
        LLVMBasicBlockRef t = block(fn, "then"), join = block(fn, "join");
        condBr(c, t, join);
        at(t);
        then.run();
        br(join);
        at(join);
    }

    /** {@code if (c) then() else otherwise()}; the builder continues after the join. */
    public void ifElse(LLVMValueRef fn, LLVMValueRef c, Runnable then, Runnable otherwise) {
        LLVMBasicBlockRef t = block(fn, "then"), f = block(fn, "else"), join = block(fn, "join");
        condBr(c, t, f);
        at(t);
        then.run();
        br(join);
        at(f);
        otherwise.run();
        br(join);
        at(join);
    }

    // ---------------------------------------------------------------- values

    public LLVMValueRef constI64(long v) { return LLVMConstInt(i64(), v, 1); }

    public LLVMValueRef constF32(double v) { return LLVMConstReal(f32(), v); }

    public LLVMValueRef gep(LLVMTypeRef elem, LLVMValueRef base, LLVMValueRef index) {
        return LLVMBuildInBoundsGEP2(b, elem, base, array(index), 1, "p");
    }

    public LLVMValueRef load(LLVMTypeRef t, LLVMValueRef p) { return LLVMBuildLoad2(b, t, p, "v"); }

    public void store(LLVMValueRef v, LLVMValueRef p) { LLVMBuildStore(b, v, p); }

    /** A load that promises {@code align} bytes of alignment (vectors from packed buffers). */
    public LLVMValueRef load(LLVMTypeRef t, LLVMValueRef p, int align) {
        LLVMValueRef v = LLVMBuildLoad2(b, t, p, "v");
        LLVMSetAlignment(v, align);
        return v;
    }

    public void store(LLVMValueRef v, LLVMValueRef p, int align) { LLVMSetAlignment(LLVMBuildStore(b, v, p), align); }

    public LLVMValueRef minI(LLVMValueRef x, LLVMValueRef y) { return select(icmp(LLVMIntSLT, x, y), x, y); }

    /** A vector of {@code n} copies of the scalar {@code x} (insertelement + zero-mask shuffle). */
    public LLVMValueRef splat(LLVMValueRef x, int n) {
        LLVMTypeRef vt = vector(LLVMTypeOf(x), n);
        LLVMValueRef one = LLVMBuildInsertElement(b, LLVMGetPoison(vt), x, LLVMConstInt(i32(), 0, 0), "ins");
        return LLVMBuildShuffleVector(b, one, LLVMGetPoison(vt), LLVMConstNull(vector(i32(), n)), "splat");
    }

    public LLVMValueRef zero(LLVMTypeRef t) { return LLVMConstNull(t); }

    /** A vector of the given scalars, built with insertelement. */
    public LLVMValueRef vectorOf(LLVMValueRef... xs) {
        LLVMValueRef v = LLVMGetPoison(vector(LLVMTypeOf(xs[0]), xs.length));
        for (int i = 0; i < xs.length; i++) v = LLVMBuildInsertElement(b, v, xs[i], LLVMConstInt(i32(), i, 0), "ins");
        return v;
    }

    public LLVMValueRef icmp(int pred, LLVMValueRef x, LLVMValueRef y) { return LLVMBuildICmp(b, pred, x, y, "c"); }

    public LLVMValueRef addI(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildNSWAdd(b, x, y, "a"); }

    public LLVMValueRef mulI(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildNSWMul(b, x, y, "m"); }

    public LLVMValueRef fadd(LLVMValueRef x, LLVMValueRef y) { return fm(LLVMBuildFAdd(b, x, y, "fa")); }

    public LLVMValueRef fsub(LLVMValueRef x, LLVMValueRef y) { return fm(LLVMBuildFSub(b, x, y, "fs")); }

    public LLVMValueRef fmul(LLVMValueRef x, LLVMValueRef y) { return fm(LLVMBuildFMul(b, x, y, "fm")); }

    public LLVMValueRef fdiv(LLVMValueRef x, LLVMValueRef y) { return fm(LLVMBuildFDiv(b, x, y, "fd")); }

    public LLVMValueRef fneg(LLVMValueRef x) { return fm(LLVMBuildFNeg(b, x, "fn")); }

    private LLVMValueRef fm(LLVMValueRef v) {
        if (LLVMIsAInstruction(v) != null && !LLVMIsAInstruction(v).isNull()) LLVMSetFastMathFlags(v, fastMath);
        return v;
    }

    public LLVMValueRef fcmp(int pred, LLVMValueRef x, LLVMValueRef y) { return LLVMBuildFCmp(b, pred, x, y, "fc"); }

    public LLVMValueRef select(LLVMValueRef c, LLVMValueRef x, LLVMValueRef y) { return LLVMBuildSelect(b, c, x, y, "sel"); }

    public LLVMValueRef and(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildAnd(b, x, y, "and"); }

    public LLVMValueRef or(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildOr(b, x, y, "or"); }

    public LLVMValueRef xor(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildXor(b, x, y, "xor"); }

    public LLVMValueRef subI(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildNSWSub(b, x, y, "s"); }

    public LLVMValueRef sdiv(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildSDiv(b, x, y, "sd"); }

    public LLVMValueRef srem(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildSRem(b, x, y, "sr"); }

    public LLVMValueRef frem(LLVMValueRef x, LLVMValueRef y) { return fm(LLVMBuildFRem(b, x, y, "fr")); }

    public LLVMValueRef sitofp(LLVMValueRef x, LLVMTypeRef t) { return LLVMBuildSIToFP(b, x, t, "cv"); }

    public LLVMValueRef fptosi(LLVMValueRef x, LLVMTypeRef t) { return LLVMBuildFPToSI(b, x, t, "cv"); }

    public LLVMValueRef sextOrTrunc(LLVMValueRef x, LLVMTypeRef t) { return LLVMBuildIntCast2(b, x, t, 1, "cv"); }

    public LLVMValueRef zextOrTrunc(LLVMValueRef x, LLVMTypeRef t) { return LLVMBuildIntCast2(b, x, t, 0, "cv"); }

    public LLVMValueRef uitofp(LLVMValueRef x, LLVMTypeRef t) { return LLVMBuildUIToFP(b, x, t, "cv"); }

    /** A stack slot in the function's entry block, where mem2reg promotes it to a register. */
    public LLVMValueRef alloca(LLVMValueRef fn, LLVMTypeRef t, String name) {
        LLVMBasicBlockRef here = current();
        LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(fn);
        LLVMValueRef first = LLVMGetFirstInstruction(entry);
        if (first == null || first.isNull()) LLVMPositionBuilderAtEnd(b, entry);
        else LLVMPositionBuilderBefore(b, first);
        LLVMValueRef slot = LLVMBuildAlloca(b, t, name);
        LLVMPositionBuilderAtEnd(b, here);
        return slot;
    }

    /** A call of an LLVM intrinsic overloaded on one type, e.g. llvm.sqrt.f32. */
    public LLVMValueRef intrinsic(String name, LLVMTypeRef overload, LLVMValueRef... args) {
        int id = LLVMLookupIntrinsicID(name, name.length());
        if (id == 0) throw new LlvmException("no intrinsic " + name);
        LLVMValueRef fn = LLVMGetIntrinsicDeclaration(mod, id, array(overload), 1);
        LLVMTypeRef ft = LLVMIntrinsicGetType(ctx, id, array(overload), 1);
        return fm(LLVMBuildCall2(b, ft, fn, array(args), args.length, ""));
    }

    /** A call of a C function of this process (libm), declared on first use. */
    public LLVMValueRef callC(String name, LLVMTypeRef ret, LLVMValueRef... args) {
        LLVMValueRef fn = LLVMGetNamedFunction(mod, name);
        LLVMTypeRef[] ps = new LLVMTypeRef[args.length];
        for (int i = 0; i < args.length; i++) ps[i] = LLVMTypeOf(args[i]);
        LLVMTypeRef ft = LLVMFunctionType(ret, array(ps), ps.length, 0);
        if (fn == null || fn.isNull()) fn = LLVMAddFunction(mod, name, ft);
        return LLVMBuildCall2(b, ft, fn, array(args), args.length, "");
    }

    public LLVMValueRef call(LLVMValueRef fn, LLVMTypeRef fnType, LLVMValueRef... args) {
        return LLVMBuildCall2(b, fnType, fn, array(args), args.length, "");
    }

    public LLVMValueRef constBool(boolean v) { return LLVMConstInt(i1(), v ? 1 : 0, 0); }

    /** An integer constant; of a vector type, the constant in every lane. */
    public LLVMValueRef constInt(LLVMTypeRef t, long v) {
        return LLVMGetTypeKind(t) == LLVMVectorTypeKind ? splat(t, LLVMConstInt(LLVMGetElementType(t), v, 1)) : LLVMConstInt(t, v, 1);
    }

    /** A float constant; of a vector type, the constant in every lane. */
    public LLVMValueRef constReal(LLVMTypeRef t, double v) {
        return LLVMGetTypeKind(t) == LLVMVectorTypeKind ? splat(t, LLVMConstReal(LLVMGetElementType(t), v)) : LLVMConstReal(t, v);
    }

    private static LLVMValueRef splat(LLVMTypeRef vectorType, LLVMValueRef c) {
        int n = LLVMGetVectorSize(vectorType);
        LLVMValueRef[] lanes = new LLVMValueRef[n];
        Arrays.fill(lanes, c);
        return LLVMConstVector(array(lanes), n);
    }

    // ---------------------------------------------------------------- bits and strict arithmetic

    /*
     * For code whose accuracy depends on the order of evaluation (VectorMath): float operations
     * without fast-math flags, so that no pass reassociates a range reduction or a Horner scheme,
     * and integer operations that wrap (no nsw: exponent fields are moved through the sign bit).
     */

    public LLVMValueRef faddStrict(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildFAdd(b, x, y, "fa"); }

    public LLVMValueRef fsubStrict(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildFSub(b, x, y, "fs"); }

    public LLVMValueRef fmulStrict(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildFMul(b, x, y, "fm"); }

    public LLVMValueRef fdivStrict(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildFDiv(b, x, y, "fd"); }

    /** x * y + z rounded once (llvm.fma: one vfmadd where the CPU has FMA). */
    public LLVMValueRef fma(LLVMValueRef x, LLVMValueRef y, LLVMValueRef z) {
        LLVMTypeRef t = LLVMTypeOf(x);
        int id = LLVMLookupIntrinsicID("llvm.fma", 8);
        LLVMValueRef fn = LLVMGetIntrinsicDeclaration(mod, id, array(t), 1);
        return LLVMBuildCall2(b, LLVMIntrinsicGetType(ctx, id, array(t), 1), fn, array(x, y, z), 3, "");
    }

    public LLVMValueRef bitcast(LLVMValueRef x, LLVMTypeRef t) { return LLVMBuildBitCast(b, x, t, "bc"); }

    public LLVMValueRef addWrap(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildAdd(b, x, y, "aw"); }

    public LLVMValueRef subWrap(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildSub(b, x, y, "sw"); }

    public LLVMValueRef mulWrap(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildMul(b, x, y, "mw"); }

    public LLVMValueRef shl(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildShl(b, x, y, "shl"); }

    public LLVMValueRef ashr(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildAShr(b, x, y, "ashr"); }

    public LLVMValueRef lshr(LLVMValueRef x, LLVMValueRef y) { return LLVMBuildLShr(b, x, y, "lshr"); }

    public LLVMTypeRef i8() { return LLVMInt8TypeInContext(ctx); }

    // ---------------------------------------------------------------- checking and output

    /** Verifies the module; a broken module is our bug and must never reach the optimizer. */
    public void verify() {
        BytePointer err = new BytePointer((Pointer) null);
        if (LLVMVerifyModule(mod, LLVMReturnStatusAction, err) != 0)
            throw new LlvmException("invalid LLVM module: " + Llvm.message(err) + "\n" + ir());
        Llvm.message(err);
    }

    /** Verifies and runs the O3 pipeline for this CPU. */
    public void optimize() {
        verify();
        LLVMTargetMachineRef tm = Llvm.hostMachine();
        try {
            LLVMSetModuleDataLayout(mod, LLVMCreateTargetDataLayout(tm));
            var opts = LLVMCreatePassBuilderOptions();
            Llvm.check(LLVMRunPasses(mod, "default<O3>", tm, opts), "O3");
            LLVMDisposePassBuilderOptions(opts);
        } finally {
            LLVMDisposeTargetMachine(tm);
        }
    }

    public String ir() {
        BytePointer p = LLVMPrintModuleToString(mod);
        return Llvm.message(p);
    }

    /** Host assembly for the module, emitted from a clone so that the module stays usable. */
    public String assembly() {
        LLVMTargetMachineRef tm = Llvm.hostMachine();
        LLVMModuleRef clone = LLVMCloneModule(mod);
        try {
            BytePointer err = new BytePointer((Pointer) null);
            LLVMMemoryBufferRef buf = new LLVMMemoryBufferRef();
            if (LLVMTargetMachineEmitToMemoryBuffer(tm, clone, LLVMAssemblyFile, err, buf) != 0)
                throw new LlvmException("cannot emit assembly: " + Llvm.message(err));
            BytePointer start = LLVMGetBufferStart(buf);
            String s = start.limit(LLVMGetBufferSize(buf)).getString();
            LLVMDisposeMemoryBuffer(buf);
            return s;
        } finally {
            LLVMDisposeModule(clone);
            LLVMDisposeTargetMachine(tm);
        }
    }

    void disposeBuilder() { LLVMDisposeBuilder(b); }

    /** Frees a module that was emitted to object code rather than handed to a JIT (which takes ownership). */
    public void dispose() {
        if (mod == null) return;
        LLVMDisposeBuilder(b);
        LLVMDisposeModule(mod);
        mod = null;
        LLVMOrcDisposeThreadSafeContext(tsc);
    }
}
