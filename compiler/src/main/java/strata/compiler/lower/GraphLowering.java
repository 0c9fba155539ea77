package strata.compiler.lower;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Value;
import strata.compiler.kernel.Kernel;
import strata.compiler.kernel.KernelPrinter;
import strata.compiler.kernel.KernelVerifier;

/**
 * A graph lowered to the kernel dialect: what a program does, in order (call a kernel, or give a
 * value its operand's memory), with the run-time requirements its kernels rely on. Every kernel
 * is verified here, before any code generator sees it. Target-neutral: the CPU and GPU backends
 * both start from this.
 */
public record GraphLowering(Graph graph, List<Step> steps, Map<String, Value> buffers, List<OpLowering.Requirement> requirements) {

    /** One thing a program does. */
    public sealed interface Step {}

    public record Call(Kernel kernel) implements Step {}

    /** A reshape: {@code result} is {@code of}'s memory under another shape. */
    public record Alias(Value result, Value of) implements Step {}

    /**
     * {@code c = a @ b} by the target's tuned GEMM rather than a kernel of the dialect: a is
     * [.., M, K] (its leading axes folded into the rows), b a matrix [K, N] or, transposed, [N, K].
     * With {@code init} (a bias [N] or a residual of c's shape, else null) the GEMM computes
     * {@code init + a @ b}: the {@code add} that followed the matmul is its epilogue; with
     * {@code activation} ("gelu_erf" or "gelu_tanh", else null) the GEMM applies it last.
     */
    public record Gemm(Value a, Value b, Value c, boolean transposeB, Value init, String activation) implements Step {}

    /** What a GEMM absorbs: the op whose result it writes, the operand it adds (or null), its activation (or null). */
    private record Epilogue(Op root, Value init, String activation) {}

    /**
     * The GEMMs whose only use is an {@code add} of a bias [N] or a residual of the same shape,
     * where that add is a kernel by itself, which then runs as the GEMM's epilogue: gemm op -> add
     * op. (Activations after the add are fused with it into an elementwise kernel instead.)
     */
    private static Map<Op, Epilogue> epilogues(Graph g, Map<Value, Op> producers, Map<Op, List<Op>> groups) {
        Map<Value, Integer> uses = new HashMap<>();
        for (Op op : g.ops()) countUses(op, uses);
        for (Value v : g.outputs()) uses.merge(v, 1, Integer::sum);
        Map<Op, Epilogue> out = new HashMap<>();
        for (var group : groups.entrySet()) {
            Op root = group.getKey();
            List<Op> members = group.getValue();
            // gelu(gemm), add(gemm, x) or gelu(add(gemm, x)): the whole group, and nothing else
            String act = root.kind() == OpKind.GELU ? "gelu_" + (root.strAttr("approximate", "erf").equals("tanh") ? "tanh" : "erf") : null;
            Op add = act == null ? root : members.size() == 2 && members.get(0).kind() == OpKind.ADD
                    && root.operands().getFirst().equals(members.get(0).result()) ? members.get(0) : null;
            if (act != null && members.size() == 1) {
                Op p = producers.get(root.operands().getFirst());
                if (single(p, uses, root)) out.put(p, new Epilogue(root, null, act));
                continue;
            }
            if (add == null || add.kind() != OpKind.ADD || members.size() != (act == null ? 1 : 2)) continue;
            for (int i = 0; i < 2; i++) {
                Op p = producers.get(add.operands().get(i));
                Value other = add.operands().get(1 - i);
                if (!single(p, uses, add) || out.containsKey(p)) continue;
                boolean bias = other.type().rank() == 1 && other.type().dim(0).equals(p.type().dim(-1));
                if ((bias || other.type().equals(p.type())) && other.type().dtype() == strata.compiler.graph.DType.F32) {
                    out.put(p, new Epilogue(root, other, act));
                    break;
                }
            }
        }
        return out;
    }

    /** A GEMM whose only use is {@code user}, of the same type, so that the GEMM may write user's result. */
    private static boolean single(Op p, Map<Value, Integer> uses, Op user) {
        return p != null && isGemm(p) && uses.getOrDefault(p.result(), 0) == 1 && user.type().equals(p.type());
    }

    private static void countUses(Op op, Map<Value, Integer> uses) {
        for (Value v : op.operands()) uses.merge(v, 1, Integer::sum);
        for (var r : op.regions()) {
            for (Op o : r.ops()) countUses(o, uses);
            uses.merge(r.yield(), 1, Integer::sum);
        }
    }

    /** Whether a matmul is one the tuned GEMM runs: f32, a weight-like 2-D right side, no transposed left. */
    static boolean isGemm(Op op) {
        return op.kind() == OpKind.MATMUL && op.type().dtype() == strata.compiler.graph.DType.F32
                && op.operands().get(1).type().rank() == 2 && op.operands().get(0).type().rank() >= 2
                && !op.boolAttr("transpose_a", false);
    }

    public List<Kernel> kernels() {
        List<Kernel> out = new ArrayList<>();
        for (Step s : steps) if (s instanceof Call c) out.add(c.kernel());
        return out;
    }

    /** The kernels as text: what {@code strata compile --emit=kernel} prints and the compile cache keys on. */
    public String text() { return KernelPrinter.print(kernels()); }

    /** Lowers every stored value of the graph; an op with no lowering is refused by name. */
    public static GraphLowering of(Graph g) { return of(g, true); }

    /** As {@link #of(Graph)}; {@code fuseAttention} false lowers attention unfused (the benchmark's peer). */
    public static GraphLowering of(Graph g, boolean fuseAttention) { return of(g, fuseAttention, false); }

    /**
     * A program for training: dropout masks as in the interpreter's training mode, from each op's
     * seed and the step seed, which the kernels read as the run-time size {@link CounterStream#STEP_SEED}.
     */
    public static GraphLowering training(Graph g) { return of(g, true, true); }

    /** As {@link #of(Graph, boolean)}; {@code training} makes dropout mask (else it is the identity). */
    public static GraphLowering of(Graph g, boolean fuseAttention, boolean training) {
        Map<Value, Op> producers = new HashMap<>();
        for (Op op : g.ops()) producers.put(op.result(), op);
        Map<Op, List<Op>> groups = ElementwiseFusion.groups(g);
        Map<Op, Epilogue> epilogues = epilogues(g, producers, groups);
        List<Step> plan = new ArrayList<>();
        List<OpLowering.Requirement> requirements = new ArrayList<>();
        int n = 0;
        for (var group : groups.entrySet()) {
            Op root = group.getKey();
            if (root.kind() == OpKind.PARAM || root.kind() == OpKind.INPUT) continue;
            if (epilogues.containsKey(root)) continue; // made with its epilogue below
            var fused = epilogues.entrySet().stream().filter(e -> e.getValue().root() == root).findFirst().orElse(null);
            if (fused != null) {
                Op gemm = fused.getKey();
                plan.add(new Gemm(gemm.operands().get(0), gemm.operands().get(1), root.result(), gemm.boolAttr("transpose_b", false),
                        fused.getValue().init(), fused.getValue().activation()));
                continue;
            }
            if (isGemm(root)) {
                plan.add(new Gemm(root.operands().get(0), root.operands().get(1), root.result(), root.boolAttr("transpose_b", false), null, null));
                continue;
            }
            OpLowering.Lowered l = OpLowering.lower("k" + n++ + "_" + root.kind().mnemonic(), root, group.getValue(), producers, fuseAttention, training);
            if (l.aliasOf() != null) plan.add(new Alias(root.result(), l.aliasOf()));
            for (Kernel k : l.kernels()) plan.add(new Call(k));
            requirements.addAll(l.requirements());
        }
        // const, iota and random are computed where they are used; a value that other kernels read whole,
        // an alias of one, or an output, is materialized first
        Map<String, Value> named = new HashMap<>();
        for (Op op : g.ops()) named.put(KernelLowering.bufferName(op.result()), op.result());
        Set<Value> needed = new LinkedHashSet<>(g.outputs());
        for (Step p : plan) {
            if (p instanceof Alias a) needed.add(a.of());
            if (p instanceof Gemm m) {
                needed.add(m.a());
                needed.add(m.b());
                if (m.init() != null) needed.add(m.init());
            }
            if (p instanceof Call c) for (Kernel.Buffer b : c.kernel().buffers()) if (named.containsKey(b.name())) needed.add(named.get(b.name()));
        }
        List<Step> materialized = new ArrayList<>();
        for (Value v : needed) {
            Op p = producers.get(v);
            if (p != null && ElementwiseFusion.isInlineSource(p))
                materialized.add(new Call(KernelLowering.elementwise("k" + n++ + "_" + p.kind().mnemonic(), p, List.of(p), producers)));
        }
        plan.addAll(0, materialized);
        for (Step p : plan)
            if (p instanceof Call c) {
                List<String> problems = KernelVerifier.verify(c.kernel());
                if (!problems.isEmpty())
                    throw new IllegalStateException("the lowering made a kernel that does not verify:\n  " + String.join("\n  ", problems)
                            + "\n" + KernelPrinter.print(c.kernel()));
            }
        return new GraphLowering(g, plan, named, requirements);
    }
}
