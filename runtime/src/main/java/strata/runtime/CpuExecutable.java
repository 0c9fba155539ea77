package strata.runtime;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.KStmt;
import strata.compiler.kernel.Kernel;
import strata.compiler.llvm.IrModule;
import strata.compiler.llvm.Jit;
import strata.compiler.llvm.KernelCodegen;
import strata.compiler.lower.ElementwiseFusion;
import strata.compiler.lower.KernelLowering;

/**
 * A graph compiled for this CPU: its kernels JIT-compiled by LLVM, called in order through FFM
 * on buffers in native memory. Inputs and parameters are checked against the graph's types
 * before any kernel runs.
 */
public final class CpuExecutable implements AutoCloseable {
    private record Step(Kernel kernel, MethodHandle entry, List<Value> buffers) {}

    private final Graph graph;
    private final List<Step> steps = new ArrayList<>();
    private final Jit jit;
    private final KernelPool pool;

    private CpuExecutable(Graph graph, Jit jit, KernelPool pool) {
        this.graph = graph;
        this.jit = jit;
        this.pool = pool;
    }

    /** Lowers, fuses and compiles a graph; an op with no CPU kernel yet is refused by name. */
    public static CpuExecutable compile(Graph g, KernelPool pool) {
        Map<Value, Op> producers = new HashMap<>();
        for (Op op : g.ops()) producers.put(op.result(), op);
        List<Kernel> kernels = new ArrayList<>();
        for (var group : ElementwiseFusion.groups(g).entrySet()) {
            Op root = group.getKey();
            if (root.kind() == OpKind.PARAM || root.kind() == OpKind.INPUT) continue;
            if (!root.kind().isElementwise())
                throw new UnsupportedOperationException("the CPU backend has no kernel for `" + root.kind().mnemonic() + "` yet");
            kernels.add(KernelLowering.elementwise("k" + kernels.size() + "_" + root.kind().mnemonic(), root, group.getValue(), producers));
        }
        IrModule m = new IrModule(g.name());
        for (Kernel k : kernels) KernelCodegen.emit(m, k);
        m.optimize();
        Jit jit = new Jit();
        jit.add(m);
        CpuExecutable exe = new CpuExecutable(g, jit, pool);
        Map<String, Value> byName = new HashMap<>();
        for (Op op : g.ops()) byName.put(KernelLowering.bufferName(op.result()), op.result());
        FunctionDescriptor entry = FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG);
        for (Kernel k : kernels) {
            List<Value> bufs = new ArrayList<>();
            for (Kernel.Buffer b : k.buffers()) bufs.add(byName.get(b.name()));
            exe.steps.add(new Step(k, Linker.nativeLinker().downcallHandle(jit.lookup(k.name()), entry), bufs));
        }
        return exe;
    }

    public int kernelCount() { return steps.size(); }

    /** Runs the graph; outputs are allocated in {@code out}, everything else is freed on return. */
    public List<Tensor> run(Arena out, Map<String, Tensor> inputs, Map<String, Tensor> params) {
        Map<String, Long> env = bindSymbols(inputs);
        Map<Value, Tensor> values = new HashMap<>();
        try (Arena scratch = Arena.ofConfined()) {
            for (Op op : graph.ops()) {
                if (op.kind() == OpKind.INPUT) values.put(op.result(), checked("input", op, inputs, env));
                else if (op.kind() == OpKind.PARAM) values.put(op.result(), checked("parameter", op, params, env));
            }
            for (Step s : steps) {
                for (Value v : s.buffers())
                    values.computeIfAbsent(v, x -> Tensor.allocate(graph.outputs().contains(x) ? out : scratch, x.type().dtype(), x.type().concreteShape(env)));
                MemorySegment ptrs = scratch.allocate(ADDRESS, s.buffers().size());
                for (int i = 0; i < s.buffers().size(); i++) ptrs.setAtIndex(ADDRESS, i, values.get(s.buffers().get(i)).data());
                MemorySegment sizes = scratch.allocate(JAVA_LONG, Math.max(1, s.kernel().sizes().size()));
                for (int i = 0; i < s.kernel().sizes().size(); i++) sizes.setAtIndex(JAVA_LONG, i, env.get(s.kernel().sizes().get(i)));
                KStmt.Loop par = s.kernel().parallelLoop();
                long extent = par == null ? 1 : eval(par.hi(), env) - eval(par.lo(), env);
                // kernels on other threads see raw addresses: the arenas' thread confinement is Java's, not theirs
                if (extent > 0) pool.run(s.entry(), MemorySegment.ofAddress(ptrs.address()), MemorySegment.ofAddress(sizes.address()), extent);
            }
            List<Tensor> result = new ArrayList<>();
            for (Value v : graph.outputs()) {
                Tensor t = values.get(v);
                if (t.data().scope() != out.scope()) {
                    Tensor copy = Tensor.allocate(out, t.dtype(), t.shape());
                    copy.data().copyFrom(t.data().asSlice(0, Math.max(1, t.numel() * t.dtype().bytes())));
                    t = copy;
                }
                result.add(t);
            }
            return result;
        }
    }

    private Map<String, Long> bindSymbols(Map<String, Tensor> inputs) {
        Map<String, Long> env = new LinkedHashMap<>();
        for (Op in : graph.inputs()) {
            String name = in.strAttr("name", "");
            Tensor t = inputs.get(name);
            if (t == null) throw new IllegalArgumentException("input `" + name + "` : " + in.type() + " is missing");
            TensorType ty = in.type();
            if (t.shape().length != ty.rank())
                throw new IllegalArgumentException("input `" + name + "` should be " + ty + ", got " + t);
            for (int a = 0; a < ty.rank(); a++) {
                Dim d = ty.dim(a);
                if (d.symbols().size() == 1 && d.equals(Dim.sym(d.symbols().getFirst()))) {
                    Long prev = env.putIfAbsent(d.symbols().getFirst(), t.shape()[a]);
                    if (prev != null && prev != t.shape()[a])
                        throw new IllegalArgumentException("input `" + name + "` has " + d + " = " + t.shape()[a] + " but another input has " + prev);
                }
            }
        }
        return env;
    }

    private static Tensor checked(String what, Op op, Map<String, Tensor> given, Map<String, Long> env) {
        String name = op.strAttr("name", "");
        Tensor t = given.get(name);
        if (t == null) throw new IllegalArgumentException(what + " `" + name + "` : " + op.type() + " is missing");
        long[] want = op.type().concreteShape(env);
        if (t.dtype() != op.type().dtype() || !Arrays.equals(want, t.shape()))
            throw new IllegalArgumentException(what + " `" + name + "` should be " + op.type().dtype() + Arrays.toString(want) + ", got " + t);
        return t;
    }

    private static long eval(KExpr e, Map<String, Long> env) {
        return switch (e) {
            case KExpr.Const c -> (long) c.value();
            case KExpr.Size s -> env.get(s.name());
            case KExpr.Binary b -> switch (b.op()) {
                case ADD -> eval(b.a(), env) + eval(b.b(), env);
                case SUB -> eval(b.a(), env) - eval(b.b(), env);
                case MUL -> eval(b.a(), env) * eval(b.b(), env);
                default -> throw new IllegalStateException("loop bound " + e);
            };
            default -> throw new IllegalStateException("loop bound " + e);
        };
    }

    @Override public void close() { jit.close(); }
}
