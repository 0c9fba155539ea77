package strata.compiler.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.llvm.LLVM.LLVMTypeRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.KStmt;
import strata.compiler.kernel.Kernel;

/**
 * Lowers a kernel of the kernel dialect to LLVM IR for the host CPU. Each kernel becomes an
 * exported entry {@code void name(ptr buffers, ptr sizes, i64 lo, i64 hi)} (one call shape for
 * the runtime) that loads its arguments and calls an always-inlined body whose buffer pointers
 * are {@code noalias}, which is what lets LLVM vectorize the loops.
 */
public final class KernelCodegen {
    private final IrModule m;
    private final Kernel k;
    private LLVMValueRef fn;
    private final Map<String, LLVMValueRef> buffers = new HashMap<>();
    private final Map<String, List<LLVMValueRef>> strides = new HashMap<>();
    private final Map<String, LLVMValueRef> sizes = new HashMap<>();
    private final Deque<Map<String, LLVMValueRef>> vars = new ArrayDeque<>();
    private final Map<String, LLVMValueRef> locals = new HashMap<>();
    private final Map<String, DType> localTypes = new HashMap<>();
    private LLVMValueRef lo, hi;

    private KernelCodegen(IrModule m, Kernel k) {
        this.m = m;
        this.k = k;
    }

    /** Adds the kernel's functions to the module; returns the entry's name. */
    public static String emit(IrModule m, Kernel k) {
        new KernelCodegen(m, k).emit();
        return k.name();
    }

    private void emit() {
        List<LLVMTypeRef> ps = new ArrayList<>();
        for (int i = 0; i < k.buffers().size(); i++) ps.add(m.ptr());
        for (int i = 0; i < k.sizes().size(); i++) ps.add(m.i64());
        ps.add(m.i64());
        ps.add(m.i64());
        LLVMTypeRef[] params = ps.toArray(LLVMTypeRef[]::new);
        fn = m.function(k.name() + ".body", m.voidType(), params);
        LLVMSetLinkage(fn, LLVMInternalLinkage);
        LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(m.ctx, LLVMGetEnumAttributeKindForName("alwaysinline", 12), 0));
        int p = 0;
        for (Kernel.Buffer b : k.buffers()) buffers.put(b.name(), m.param(fn, p++));
        for (String s : k.sizes()) sizes.put(s, m.param(fn, p++));
        lo = m.param(fn, p++);
        hi = m.param(fn, p);
        for (Kernel.Buffer b : k.buffers()) strides.put(b.name(), strides(b));
        vars.push(new HashMap<>());
        for (KStmt s : k.body()) stmt(s);
        m.retVoid();

        LLVMTypeRef bodyType = LLVMFunctionType(m.voidType(), IrModule.array(params), params.length, 0);
        LLVMValueRef entry = m.function(k.name(), m.voidType(), m.ptr(), m.ptr(), m.i64(), m.i64());
        LLVMValueRef[] args = new LLVMValueRef[params.length];
        int a = 0;
        for (int i = 0; i < k.buffers().size(); i++)
            args[a++] = m.load(m.ptr(), m.gep(m.ptr(), m.param(entry, 0), m.constI64(i)));
        for (int i = 0; i < k.sizes().size(); i++)
            args[a++] = m.load(m.i64(), m.gep(m.i64(), m.param(entry, 1), m.constI64(i)));
        args[a++] = m.param(entry, 2);
        args[a] = m.param(entry, 3);
        m.call(fn, bodyType, args);
        m.retVoid();
    }

    /** Row-major strides of a buffer's view, as i64 values computed from the sizes. */
    private List<LLVMValueRef> strides(Kernel.Buffer b) {
        List<LLVMValueRef> out = new ArrayList<>();
        LLVMValueRef s = m.constI64(1);
        for (int i = b.shape().size() - 1; i >= 0; i--) {
            out.addFirst(s);
            s = m.mulI(s, dim(b.shape().get(i)));
        }
        return out;
    }

    private LLVMValueRef dim(Dim d) {
        LLVMValueRef sum = null;
        for (var term : d.terms().entrySet()) {
            LLVMValueRef t = m.constI64(term.getValue());
            if (!term.getKey().isEmpty())
                for (String sym : term.getKey().split("\\*")) {
                    LLVMValueRef v = sizes.get(sym);
                    if (v == null) throw new LlvmException("kernel " + k.name() + " uses the size " + sym + " without declaring it");
                    t = m.mulI(t, v);
                }
            sum = sum == null ? t : m.addI(sum, t);
        }
        return sum == null ? m.constI64(0) : sum;
    }

    // ---------------------------------------------------------------- statements

    private void stmt(KStmt s) {
        switch (s) {
            case KStmt.Loop l -> {
                LLVMValueRef from = expr(l.lo()), to = expr(l.hi());
                if (l.kind() == KStmt.LoopKind.PARALLEL) {
                    from = m.select(m.icmp(LLVMIntSGT, from, lo), from, lo);
                    to = m.select(m.icmp(LLVMIntSLT, to, hi), to, hi);
                }
                m.loop(fn, from, to, l.kind() == KStmt.LoopKind.VECTOR && reduces(l) ? l.width() : 0, i -> {
                    Map<String, LLVMValueRef> scope = new HashMap<>();
                    scope.put(l.var(), i);
                    vars.push(scope);
                    for (KStmt x : l.body()) stmt(x);
                    vars.pop();
                });
            }
            case KStmt.Local d -> {
                LLVMValueRef slot = m.alloca(fn, type(d.type()), d.name());
                locals.put(d.name(), slot);
                localTypes.put(d.name(), d.type());
                m.store(toMemory(expr(d.init()), d.type()), slot);
            }
            case KStmt.Assign a -> m.store(toMemory(expr(a.value()), localTypes.get(a.name())), local(a.name()));
            case KStmt.Store st -> {
                Kernel.Buffer b = k.buffer(st.buffer());
                m.store(toMemory(expr(st.value()), b.dtype()), address(st.buffer(), st.index()));
            }
        }
    }

    /**
     * Whether a loop assigns a local declared outside it (a reduction such as a dot product).
     * Such a VECTOR loop is vectorized as written ({@link IrModule#loop(LLVMValueRef, LLVMValueRef,
     * LLVMValueRef, int, java.util.function.Consumer)}): its lanes sum separately, which the
     * float adds' reassociation flag allows. Other VECTOR loops (elementwise kernels) are left
     * to LLVM's cost model, as before.
     */
    private static boolean reduces(KStmt.Loop l) {
        java.util.Set<String> inside = new java.util.HashSet<>();
        return assignsOuter(l.body(), inside);
    }

    private static boolean assignsOuter(List<KStmt> body, java.util.Set<String> inside) {
        for (KStmt s : body)
            switch (s) {
                case KStmt.Local d -> inside.add(d.name());
                case KStmt.Assign a -> { if (!inside.contains(a.name())) return true; }
                case KStmt.Loop l -> { if (assignsOuter(l.body(), inside)) return true; }
                case KStmt.Store st -> {}
            }
        return false;
    }

    private LLVMValueRef local(String name) {
        LLVMValueRef slot = locals.get(name);
        if (slot == null) throw new LlvmException("kernel " + k.name() + " assigns the undeclared local " + name);
        return slot;
    }

    private LLVMValueRef address(String buffer, List<KExpr> index) {
        List<LLVMValueRef> st = strides.get(buffer);
        LLVMValueRef off = null;
        for (int i = 0; i < index.size(); i++) {
            LLVMValueRef t = m.mulI(expr(index.get(i)), st.get(i));
            off = off == null ? t : m.addI(off, t);
        }
        if (off == null) off = m.constI64(0);
        return m.gep(memoryType(k.buffer(buffer).dtype()), buffers.get(buffer), off);
    }

    // ---------------------------------------------------------------- types

    private LLVMTypeRef type(DType t) {
        return switch (t) {
            case F32 -> m.f32();
            case I32 -> m.i32();
            case I64 -> m.i64();
            case BOOL -> m.i1();
            default -> throw new LlvmException(t + " is not supported by the CPU backend yet");
        };
    }

    /** Bools live in memory as bytes. */
    private LLVMTypeRef memoryType(DType t) { return t == DType.BOOL ? m.i8() : type(t); }

    private LLVMValueRef toMemory(LLVMValueRef v, DType t) { return t == DType.BOOL ? m.zextOrTrunc(v, m.i8()) : v; }

    // ---------------------------------------------------------------- expressions

    private LLVMValueRef expr(KExpr e) {
        return switch (e) {
            case KExpr.Const c -> switch (c.type()) {
                case F32 -> m.constReal(m.f32(), c.value());
                case BOOL -> m.constBool(c.value() != 0);
                default -> m.constInt(type(c.type()), c.bits());
            };
            case KExpr.Var v -> {
                for (Map<String, LLVMValueRef> s : vars) if (s.containsKey(v.name())) yield s.get(v.name());
                LLVMValueRef slot = local(v.name());
                yield m.load(type(v.type()), slot);
            }
            case KExpr.Size s -> {
                LLVMValueRef v = sizes.get(s.name());
                if (v == null) throw new LlvmException("kernel " + k.name() + " uses the undeclared size " + s.name());
                yield v;
            }
            case KExpr.Load l -> {
                DType t = k.buffer(l.buffer()).dtype();
                LLVMValueRef v = m.load(memoryType(t), address(l.buffer(), l.index()));
                yield t == DType.BOOL ? m.icmp(LLVMIntNE, v, LLVMConstInt(m.i8(), 0, 0)) : v;
            }
            case KExpr.Unary u -> ScalarCodegen.unary(m, u.op(), expr(u.x()), u.x().type());
            case KExpr.Binary b -> ScalarCodegen.binary(m, b.op(), expr(b.a()), expr(b.b()), b.a().type());
            case KExpr.Select s -> m.select(expr(s.cond()), expr(s.a()), expr(s.b()));
            case KExpr.Cast c -> ScalarCodegen.cast(m, expr(c.x()), c.x().type(), c.type(), type(c.type()));
        };
    }
}
