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
import strata.compiler.llvm.CompileCache;
import strata.compiler.llvm.Jit;
import strata.compiler.llvm.KernelModule;
import strata.compiler.llvm.MatmulCodegen;
import strata.compiler.llvm.ObjectCode;
import strata.compiler.lower.ArenaPlan;
import strata.compiler.lower.CounterStream;
import strata.compiler.lower.GraphLowering;
import strata.compiler.lower.KernelLowering;
import strata.compiler.lower.OpLowering;

/**
 * A graph compiled for this CPU: every stored value lowered to kernels ({@link OpLowering}), the
 * kernels of the graph JIT-compiled by LLVM as one module, called in order through FFM on buffers
 * in native memory. A reshape is no kernel: its result is its operand's memory under another
 * shape. Inputs and parameters are checked against the graph's types, and every buffer against
 * the shape its kernel declares, before any kernel runs. Compiled code runs in inference mode
 * (dropout is the identity) unless compiled for training ({@link #compileForTraining}), where
 * dropout masks as the interpreter's training mode does, with the step seed given to each run.
 */
public final class CpuExecutable implements AutoCloseable {
    /** One thing run() does, in order: call a kernel, or give a value its operand's memory. */
    private sealed interface Step {}

    private record Call(Kernel kernel, MethodHandle entry) implements Step {}

    private record Alias(Value result, Value of) implements Step {}

    /** The kernel before wrote {@code result} into {@code into}'s memory (see {@link strata.compiler.lower.InPlaceWrites}). */
    private record InPlace(Value result, Value into) implements Step {}

    private record Gemm(Value a, Value b, Value c, boolean transposeB, Value init, MatmulCodegen.Activation activation, Value gate, Value residual,
                        boolean transposeA) implements Step {}

    /** Where temporaries live for the sizes of the last run: one arena, reused while the sizes stay. */
    private Map<String, Long> plannedFor;
    private ArenaPlan plan;
    /** Bytes the same temporaries would need if no kernel wrote in place. */
    private long peakWithoutInPlace;
    private Map<String, Integer> planIds;
    private Arena planArena;
    private MemorySegment planMemory;

    /** The tuned GEMMs, compiled when a program first needs one, by layout, init operand and activation. */
    private final Map<String, CpuMatmul> gemms = new HashMap<>();

    private final Graph graph;
    private final List<Step> steps = new ArrayList<>();
    private final List<OpLowering.Requirement> requirements = new ArrayList<>();
    private final Map<String, Value> byName = new HashMap<>();
    /**
     * The buffers whose memory an output ends up in: the outputs' own, and the buffers an output
     * reshapes (a reshape is an alias, so the temporary under it must outlive the run).
     */
    private final java.util.Set<String> outputMemory = new java.util.HashSet<>();
    private final Jit jit;
    private final KernelPool pool;

    private final boolean fromCache;

    private CpuExecutable(Graph graph, Jit jit, KernelPool pool, boolean fromCache) {
        this.graph = graph;
        this.jit = jit;
        this.pool = pool;
        this.fromCache = fromCache;
    }

    /** Lowers, fuses and compiles a graph, reusing compiled code from the default disk cache. */
    public static CpuExecutable compile(Graph g, KernelPool pool) {
        return compile(g, pool, CompileCache.defaultCache());
    }

    /**
     * Lowers, fuses and compiles a graph; an op with no CPU kernel is refused by name. The object
     * code of the graph's kernels is looked up in the cache by their text and target, and stored
     * there after a compile, so a second run of the same model does not wait for LLVM.
     */
    public static CpuExecutable compile(Graph g, KernelPool pool, CompileCache cache) {
        return compile(GraphLowering.of(g), pool, cache);
    }

    /**
     * Compiles a graph in training mode: its dropouts mask, each from its own seed mixed with the
     * step seed that {@link #run(Arena, Map, Map, long)} is given (0: the op's seed alone), so that
     * one compiled program serves every step, and equals {@code Interpreter.training(stepSeed)}.
     */
    public static CpuExecutable compileForTraining(Graph g, KernelPool pool) {
        return compile(GraphLowering.training(g), pool, CompileCache.defaultCache());
    }

    /** Compiles an already lowered graph (a benchmark lowers the same graph two ways). */
    public static CpuExecutable compile(GraphLowering lowering, KernelPool pool, CompileCache cache) {
        Graph g = lowering.graph();
        String key = CompileCache.key(lowering.text());
        byte[] object = cache.get(key).orElse(null);
        boolean cached = object != null;
        if (!cached) {
            object = ObjectCode.emit(KernelModule.of(g.name(), lowering.kernels()));
            cache.put(key, object);
        }
        Jit jit = new Jit();
        jit.addObject(object);
        CpuExecutable exe = new CpuExecutable(g, jit, pool, cached);
        exe.byName.putAll(lowering.buffers());
        exe.outputMemory.addAll(lowering.outputMemory());
        exe.requirements.addAll(lowering.requirements());
        FunctionDescriptor entry = FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG);
        for (GraphLowering.Step p : lowering.steps())
            exe.steps.add(switch (p) {
                case GraphLowering.Call c -> new Call(c.kernel(), Linker.nativeLinker().downcallHandle(jit.lookup(c.kernel().name()), entry));
                case GraphLowering.Alias a -> new Alias(a.result(), a.of());
                case GraphLowering.InPlace ip -> new InPlace(ip.result(), ip.into());
                case GraphLowering.Gemm m -> new Gemm(m.a(), m.b(), m.c(), m.transposeB(), m.init(), m.activation() == null
                        ? MatmulCodegen.Activation.NONE : MatmulCodegen.Activation.valueOf(m.activation().toUpperCase()), m.gate(), m.residual(), m.transposeA());
            });
        // the GEMMs compile (or load from the cache) now, not in the first run
        for (Step st : exe.steps) if (st instanceof Gemm m) exe.gemmFor(m);
        return exe;
    }

    /** Wall time per kind of step (kernels named by their op), summed over runs; null when off. */
    private Map<String, Long> profile;

    /** Starts summing the wall time of each kind of step over the following runs. */
    public void profile() { profile = new LinkedHashMap<>(); }

    /** The summed times in ns, largest first. */
    public List<Map.Entry<String, Long>> profileReport() {
        List<Map.Entry<String, Long>> out = new ArrayList<>(profile == null ? Map.<String, Long>of().entrySet() : profile.entrySet());
        out.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        return out;
    }

    /** Whether the compiled code came from the disk cache. */
    public boolean fromCache() { return fromCache; }

    public int kernelCount() { return (int) steps.stream().filter(s -> s instanceof Call).count(); }

    /** Runs the graph; outputs are allocated in {@code out}, everything else is freed on return. */
    public List<Tensor> run(Arena out, Map<String, Tensor> inputs, Map<String, Tensor> params) {
        return run(out, inputs, params, List.of(), 0);
    }

    /**
     * Runs the graph with a training step's seed, which dropout kernels of a program compiled for
     * training mix into their ops' seeds (a program compiled for inference ignores it).
     */
    public List<Tensor> run(Arena out, Map<String, Tensor> inputs, Map<String, Tensor> params, long stepSeed) {
        return run(out, inputs, params, List.of(), stepSeed);
    }

    /** Where the outputs of the current run go when the caller gives their memory, by buffer name. */
    private Map<String, Tensor> destinations = Map.of();

    /** As {@link #run(Arena, Map, Map, List, long)} with step seed 0. */
    public List<Tensor> run(Arena out, Map<String, Tensor> inputs, Map<String, Tensor> params, List<Tensor> into) {
        return run(out, inputs, params, into, 0);
    }

    /**
     * Runs the graph writing output i into {@code into.get(i)} where that is given (not null): a
     * training step writes gradients straight into one flat buffer this way. A destination must
     * have the output's dtype and element count, and must not overlap an input or parameter.
     * {@code stepSeed} is the training step's seed for the dropouts of a program compiled for training.
     */
    public List<Tensor> run(Arena out, Map<String, Tensor> inputs, Map<String, Tensor> params, List<Tensor> into, long stepSeed) {
        if (into.size() > graph.outputs().size())
            throw new IllegalArgumentException(into.size() + " destinations for " + graph.outputs().size() + " outputs");
        Map<String, Tensor> dest = new HashMap<>();
        for (int i = 0; i < into.size(); i++)
            if (into.get(i) != null) dest.put(KernelLowering.bufferName(graph.outputs().get(i)), into.get(i));
        destinations = dest;
        try {
            return runInto(out, inputs, params, into, stepSeed);
        } finally {
            destinations = Map.of();
        }
    }

    private List<Tensor> runInto(Arena out, Map<String, Tensor> inputs, Map<String, Tensor> params, List<Tensor> into, long stepSeed) {
        Map<String, Long> env = bindSymbols(inputs);
        for (OpLowering.Requirement r : requirements) {
            long small = evalDim(r.small(), env), large = evalDim(r.large(), env);
            if (small > large) throw new IllegalArgumentException(r.what() + " (" + r.small() + " = " + small + ", " + r.large() + " = " + large + ")");
        }
        Map<String, Tensor> tensors = new HashMap<>();
        planMemory(env);
        // the step seed reaches kernels as a size, bound after the memory plan, which depends on sizes alone
        Map<String, Long> sizes = new HashMap<>(env);
        sizes.put(CounterStream.STEP_SEED, stepSeed);
        try (Arena scratch = Arena.ofConfined()) {
            for (Op op : graph.ops()) {
                String name = KernelLowering.bufferName(op.result());
                if (op.kind() == OpKind.INPUT) tensors.put(name, checked("input", op, inputs, env));
                else if (op.kind() == OpKind.PARAM) tensors.put(name, checked("parameter", op, params, env));
            }
            for (Step step : steps) {
                switch (step) {
                    case Alias a -> {
                        Tensor of = tensors.get(KernelLowering.bufferName(a.of()));
                        long[] shape = a.result().type().concreteShape(env);
                        if (of == null || of.numel() != Tensor.numel(shape))
                            throw new IllegalStateException("reshape %" + a.result().id() + " has no operand of " + Tensor.numel(shape) + " elements");
                        tensors.put(KernelLowering.bufferName(a.result()), new Tensor(of.dtype(), shape, of.data()));
                    }
                    case InPlace ip -> {
                        Tensor host = tensors.get(KernelLowering.bufferName(ip.into()));
                        long[] shape = ip.result().type().concreteShape(env);
                        if (host == null || host.numel() != Tensor.numel(shape) || host.dtype() != ip.result().type().dtype())
                            throw new IllegalStateException("%" + ip.result().id() + " was written in place into a buffer of another size");
                        tensors.put(KernelLowering.bufferName(ip.result()), new Tensor(host.dtype(), shape, host.data()));
                    }
                    case Call c -> {
                        long t0 = profile == null ? 0 : System.nanoTime();
                        call(c, tensors, sizes, out, scratch);
                        if (profile != null) profile.merge(c.kernel().name().replaceFirst("^k\\d+_", ""), System.nanoTime() - t0, Long::sum);
                    }
                    case Gemm m -> {
                        long t0 = profile == null ? 0 : System.nanoTime();
                        gemm(m, tensors, env, out, scratch);
                        if (profile != null) profile.merge("gemm" + (m.transposeA() ? " (A transposed)" : "") + (m.transposeB() ? " (B transposed)" : ""), System.nanoTime() - t0, Long::sum);
                    }
                }
            }
            List<Tensor> result = new ArrayList<>();
            for (int i = 0; i < graph.outputs().size(); i++) {
                Value v = graph.outputs().get(i);
                Tensor t = tensors.get(KernelLowering.bufferName(v));
                Tensor dest = i < into.size() ? into.get(i) : null;
                if (dest != null) {
                    // an output that is an input, a parameter or another output's buffer was not written in place
                    if (t.data().address() != dest.data().address()) dest.data().copyFrom(t.data().asSlice(0, dest.data().byteSize()));
                    result.add(dest);
                    continue;
                }
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

    /** Binds the kernel's buffers (allocating results and temporaries), checks each against the kernel's view, and calls it. */
    private void call(Call c, Map<String, Tensor> tensors, Map<String, Long> env, Arena out, Arena scratch) {
        Kernel k = c.kernel();
        MemorySegment ptrs = scratch.allocate(ADDRESS, Math.max(1, k.buffers().size()));
        for (int i = 0; i < k.buffers().size(); i++) {
            Kernel.Buffer b = k.buffers().get(i);
            long[] shape = new long[b.shape().size()];
            for (int a = 0; a < shape.length; a++) shape[a] = evalDim(b.shape().get(a), env);
            Value v = byName.get(b.name());
            Tensor t = tensors.computeIfAbsent(b.name(), x -> allocate(x, outputMemory.contains(b.name()) ? out : null, b.dtype(), shape));
            if (t.dtype() != b.dtype() || t.numel() != Tensor.numel(shape))
                throw new IllegalStateException("kernel " + k.name() + " views %" + b.name() + " as " + b.dtype() + Arrays.toString(shape) + " but it is " + t);
            ptrs.setAtIndex(ADDRESS, i, t.data());
        }
        MemorySegment sizes = scratch.allocate(JAVA_LONG, Math.max(1, k.sizes().size()));
        for (int i = 0; i < k.sizes().size(); i++) sizes.setAtIndex(JAVA_LONG, i, evalDim(Dim.sym(k.sizes().get(i)), env));
        KStmt.Loop par = k.parallelLoop();
        long extent = par == null ? 1 : eval(par.hi(), env) - eval(par.lo(), env);
        // kernels on other threads see raw addresses: the arenas' thread confinement is Java's, not theirs
        if (extent > 0) pool.run(c.entry(), MemorySegment.ofAddress(ptrs.address()), MemorySegment.ofAddress(sizes.address()), extent);
    }

    /** An output in {@code out}; a temporary at its place in the planned arena. */
    private Tensor allocate(String name, Arena out, strata.compiler.graph.DType dtype, long[] shape) {
        Tensor dest = out == null ? null : destinations.get(name);
        if (dest != null) {
            if (dest.dtype() != dtype || dest.numel() != Tensor.numel(shape))
                throw new IllegalArgumentException("output %" + name + " is " + dtype + Arrays.toString(shape) + " but its destination is " + dest);
            return new Tensor(dtype, shape, dest.data());
        }
        if (out != null) return Tensor.allocate(out, dtype, shape);
        Integer id = planIds.get(name);
        if (id == null) throw new IllegalStateException("the memory plan has no place for %" + name);
        long bytes = Math.max(1, Tensor.numel(shape) * dtype.bytes());
        return new Tensor(dtype, shape, planMemory.asSlice(plan.offset(id), bytes));
    }

    /** Bytes the temporaries of the last run needed in the planned arena. */
    public long peakBytes() { return plan == null ? 0 : plan.peakBytes(); }

    /** Bytes the temporaries of the last run would need if every kernel wrote a buffer of its own. */
    public long peakBytesWithoutInPlace() { return plan == null ? 0 : peakWithoutInPlace; }

    /** How many kernels of the program write their result into a dying input's memory. */
    public int inPlaceCount() { return (int) steps.stream().filter(s -> s instanceof InPlace).count(); }

    /**
     * Places every temporary of a run by liveness ({@link ArenaPlan}): a buffer lives from the
     * step that writes it to the last step that reads it or a reshape of it. Outputs go to the
     * caller's arena instead. A result written in place is a buffer of its own, born at the
     * kernel's step, that the plan must put in the dying input's block: a plan that cannot is a
     * compiler bug, refused here. The plan without those hints gives the bytes saved. The arena is filled with NaNs when made, so a kernel that reads a
     * result it did not write shows up in tests.
     */
    private void planMemory(Map<String, Long> env) {
        if (env.equals(plannedFor)) return;
        Map<String, String> base = new HashMap<>();
        Map<String, Integer> def = new java.util.LinkedHashMap<>(), last = new HashMap<>();
        Map<String, Long> bytes = new HashMap<>();
        java.util.Set<String> fixed = new java.util.HashSet<>();
        List<String[]> inPlace = new ArrayList<>();      // {step, input root, output}
        for (Op op : graph.ops())
            if (op.kind() == OpKind.INPUT || op.kind() == OpKind.PARAM) fixed.add(KernelLowering.bufferName(op.result()));
        fixed.addAll(outputMemory);
        for (int s = 0; s < steps.size(); s++) {
            final int step = s;
            java.util.function.BiConsumer<String, Long> touch = (name, size) -> {
                String root = base.getOrDefault(name, name);
                if (fixed.contains(root)) return;
                def.putIfAbsent(root, step);
                last.put(root, step);
                if (size != null) bytes.merge(root, size, Math::max);
            };
            switch (steps.get(s)) {
                case Alias a -> {
                    String of = KernelLowering.bufferName(a.of());
                    base.put(KernelLowering.bufferName(a.result()), base.getOrDefault(of, of));
                    touch.accept(of, null);
                }
                case Call c -> {
                    for (Kernel.Buffer b : c.kernel().buffers()) {
                        long n = 1;
                        for (Dim d : b.shape()) n *= evalDim(d, env);
                        touch.accept(b.name(), n * b.dtype().bytes());
                    }
                }
                case InPlace ip -> {
                    // the kernel's step and this one are one write: the input dies here, the result is born here
                    String into = KernelLowering.bufferName(ip.into()), result = KernelLowering.bufferName(ip.result());
                    touch.accept(into, null);
                    touch.accept(result, Tensor.numel(ip.result().type().concreteShape(env)) * ip.result().type().dtype().bytes());
                    inPlace.add(new String[]{Integer.toString(step), base.getOrDefault(into, into), result});
                }
                case Gemm m -> {
                    touch.accept(KernelLowering.bufferName(m.a()), null);
                    touch.accept(KernelLowering.bufferName(m.b()), null);
                    if (m.init() != null) touch.accept(KernelLowering.bufferName(m.init()), null);
                    if (m.gate() != null) touch.accept(KernelLowering.bufferName(m.gate()), null);
                    if (m.residual() != null) touch.accept(KernelLowering.bufferName(m.residual()), null);
                    touch.accept(KernelLowering.bufferName(m.c()), Tensor.numel(m.c().type().concreteShape(env)) * m.c().type().dtype().bytes());
                }
            }
        }
        List<ArenaPlan.Buffer> buffers = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        for (String name : def.keySet()) {
            int id = ids.size();
            ids.put(name, id);
            buffers.add(new ArenaPlan.Buffer(id, def.get(name), last.get(name), bytes.getOrDefault(name, 1L)));
        }
        for (var e : base.entrySet()) if (ids.containsKey(e.getValue())) ids.putIfAbsent(e.getKey(), ids.get(e.getValue()));
        List<ArenaPlan.InPlace> hints = new ArrayList<>();
        for (String[] h : inPlace)
            if (ids.containsKey(h[1]) && ids.containsKey(h[2])) hints.add(new ArenaPlan.InPlace(Integer.parseInt(h[0]), ids.get(h[1]), ids.get(h[2])));
        ArenaPlan p = ArenaPlan.plan(buffers, hints);
        if (p.inPlace().size() != inPlace.size())
            throw new IllegalStateException("the memory plan could not honour " + (inPlace.size() - p.inPlace().size()) + " in-place writes of the lowering");
        peakWithoutInPlace = ArenaPlan.plan(buffers, List.of()).peakBytes();
        if (planArena != null) planArena.close();
        planArena = Arena.ofShared();
        planMemory = planArena.allocate(Math.max(ArenaPlan.ALIGN, p.peakBytes()), ArenaPlan.ALIGN);
        planMemory.fill((byte) 0xff); // 0xffffffff is a NaN as f32
        plan = p;
        planIds = ids;
        plannedFor = Map.copyOf(env);
    }

    /** The tuned GEMM for a step's layout, init operand and activation (one per kind, shared by steps). */
    private CpuMatmul gemmFor(Gemm m) {
        return gemms.computeIfAbsent(m.transposeA() + "/" + m.transposeB() + "/" + (m.init() != null) + "/" + m.activation() + "/" + (m.gate() != null),
                x -> CpuMatmul.compile(m.transposeA(), m.transposeB(), m.init() != null, m.activation(), m.gate() != null, MatmulCodegen.Blocking.forThisCpu()));
    }

    /** c = a @ b with the tuned GEMM; a's leading axes are rows, or a is [K, M] when transposed. */
    private void gemm(Gemm m, Map<String, Tensor> tensors, Map<String, Long> env, Arena out, Arena scratch) {
        Tensor a = tensors.get(KernelLowering.bufferName(m.a())), b = tensors.get(KernelLowering.bufferName(m.b()));
        if (a == null || b == null) throw new IllegalStateException("matmul %" + m.c().id() + " runs before its operands exist");
        long[] shape = m.c().type().concreteShape(env);
        Tensor c = tensors.computeIfAbsent(KernelLowering.bufferName(m.c()),
                x -> allocate(x, outputMemory.contains(KernelLowering.bufferName(m.c())) ? out : null, m.c().type().dtype(), shape));
        long k = m.transposeA() ? a.shape()[0] : a.shape()[a.shape().length - 1];
        long n = shape[shape.length - 1];
        long rows = a.numel() / k;
        CpuMatmul mm = gemmFor(m);
        Tensor init = m.init() == null ? null : tensors.get(KernelLowering.bufferName(m.init()));
        Tensor gate = m.gate() == null ? null : tensors.get(KernelLowering.bufferName(m.gate()));
        if (m.init() != null && init == null) throw new IllegalStateException("matmul %" + m.c().id() + " runs before its bias or residual exists");
        if (m.gate() != null && gate == null) throw new IllegalStateException("matmul %" + m.c().id() + " runs before its gate exists");
        Tensor residual = m.residual() == null ? null : tensors.get(KernelLowering.bufferName(m.residual()));
        if (m.residual() != null && residual == null) throw new IllegalStateException("matmul %" + m.c().id() + " runs before its residual exists");
        // C starts from the residual: already so when C is the residual's memory (in place), else copied in
        if (residual != null && residual.data().address() != c.data().address()) c.data().copyFrom(residual.data().asSlice(0, c.data().byteSize()));
        mm.run(pool, a.data(), b.data(), c.data(), init == null ? MemorySegment.NULL : init.data(), init == null || init.shape().length == 1 ? 0 : n,
                gate == null ? MemorySegment.NULL : gate.data(), residual != null, rows, n, k);
    }

    private static long evalDim(Dim d, Map<String, Long> env) {
        for (String s : d.symbols())
            if (!env.containsKey(s)) throw new IllegalArgumentException("the size " + s + " is not bound by any input's shape");
        return d.eval(env);
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
                if (d.symbols().contains(CounterStream.STEP_SEED))
                    throw new IllegalArgumentException("input `" + name + "` has a size named " + CounterStream.STEP_SEED
                            + ", a name the runtime keeps for the training step's seed: rename it");
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
            case KExpr.Size s -> evalDim(Dim.sym(s.name()), env);
            case KExpr.Binary b -> switch (b.op()) {
                case ADD -> eval(b.a(), env) + eval(b.b(), env);
                case SUB -> eval(b.a(), env) - eval(b.b(), env);
                case MUL -> eval(b.a(), env) * eval(b.b(), env);
                case DIV -> Math.floorDiv(eval(b.a(), env), eval(b.b(), env)); // blocks of a symbolic extent, as the kernels divide
                default -> throw new IllegalStateException("loop bound " + e);
            };
            default -> throw new IllegalStateException("loop bound " + e);
        };
    }

    @Override public void close() {
        for (CpuMatmul m : gemms.values()) m.close();
        if (planArena != null) planArena.close();
        jit.close();
    }
}
