package strata.compiler.lower;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
     * The kernel called just before wrote {@code result} into {@code into}'s memory, which it read
     * for the last time ({@link InPlaceWrites}): result is that memory from here on.
     */
    public record InPlace(Value result, Value into) implements Step {}

    /**
     * {@code c = a @ b} by the target's tuned GEMM rather than a kernel of the dialect: a is
     * [.., M, K] (its leading axes folded into the rows) or, transposed, a matrix [K, M] (a
     * weight's gradient X^T dY, which the GEMM packs straight from that layout), b a matrix [K, N]
     * or, transposed, [N, K].
     * The GEMM computes {@code act(init + a @ b) * gate}: with {@code init} (a bias [N] or a
     * residual of c's shape, else null) the {@code add} that followed the matmul is its epilogue;
     * with {@code activation} ("gelu_erf", "gelu_tanh" or "silu", else null) it applies that; with
     * {@code gate} (a value of c's shape, else null) it multiplies by it last, as a gated FFN does.
     * With {@code residual} (a value of c's shape, else null) C starts from the residual's values:
     * {@code act(residual + init + a @ b) * gate}, the {@code x + (h W + bias)} of a transformer's
     * block; the runtime copies it into C unless c is the residual's own memory (the in-place form
     * that {@link InPlaceWrites} makes, which then also writes a residual-shaped init into itself).
     */
    public record Gemm(Value a, Value b, Value c, boolean transposeB, Value init, String activation, Value gate, Value residual,
                       boolean transposeA) implements Step {
        public Gemm(Value a, Value b, Value c, boolean transposeB, Value init, String activation, Value gate, Value residual) {
            this(a, b, c, transposeB, init, activation, gate, residual, false);
        }

        public Gemm(Value a, Value b, Value c, boolean transposeB, Value init, String activation, Value gate) {
            this(a, b, c, transposeB, init, activation, gate, null);
        }

        /** The same product with its output (and residual) elsewhere: the in-place form of {@link InPlaceWrites}. */
        Gemm into(Value c, Value init, Value residual) { return new Gemm(a, b, c, transposeB, init, activation, gate, residual, transposeA); }
    }

    /**
     * What a GEMM absorbs: the op whose result it writes, the operand it adds, its activation, the
     * gate it multiplies by (each or null), and the roots of earlier groups it replaces.
     */
    private record Epilogue(Op root, Value init, Value residual, String activation, Value gate, Set<Op> absorbed) {}

    /**
     * The GEMMs whose result only an elementwise group of the form
     * {@code [add(., x)] [add(., r)] [gelu(.) | silu(.)] [mul(., g)]} (x a bias or a residual, r a
     * residual after a bias) reads, which then runs as the GEMM's
     * epilogue: gemm op -> the epilogue. SiLU is matched as the prelude writes it, {@code x *
     * sigmoid(x)}, which reads x twice: both reads must be the group's. A group that starts from
     * the result of an earlier add-only epilogue (a bias whose sum silu reads twice, so it was
     * not fused) extends that epilogue.
     */
    private static Map<Op, Epilogue> epilogues(Graph g, Map<Value, Op> producers, Map<Op, List<Op>> groups) {
        Map<Value, Integer> uses = new HashMap<>();
        for (Op op : g.ops()) countUses(op, uses);
        for (Value v : g.outputs()) uses.merge(v, 1, Integer::sum);
        Map<Op, Epilogue> out = new HashMap<>();
        Map<Op, Op> gemmOfRoot = new HashMap<>();
        for (var group : groups.entrySet()) {
            Op root = group.getKey();
            List<Op> members = group.getValue();
            if (members.isEmpty()) continue;
            for (Value start : new LinkedHashSet<>(members.getFirst().operands())) {
                Op p = producers.get(start);
                Op gemm = p != null && isGemm(p) && !out.containsKey(p) ? p : gemmOfRoot.get(p);
                if (gemm == null) continue;
                Epilogue prior = out.get(gemm);
                if (prior != null && (prior.activation() != null || prior.gate() != null || prior.residual() != null)) continue;
                Epilogue e = match(start, gemm, prior, root, members, uses);
                if (e == null) continue;
                if (prior != null) gemmOfRoot.remove(prior.root());
                out.put(gemm, e);
                gemmOfRoot.put(root, gemm);
                break;
            }
        }
        return out;
    }

    /** The epilogue when {@code members} (ending in root) are add?, activation?, mul? applied to start, else null. */
    private static Epilogue match(Value start, Op gemm, Epilogue prior, Op root, List<Op> members, Map<Value, Integer> uses) {
        Value v = start, init = prior == null ? null : prior.init(), residual = null;
        int i = 0;
        Op op = members.getFirst();
        if (op.kind() == OpKind.ADD && prior == null) {
            Value other = other(op, v);
            if (other == null) return null;
            boolean bias = other.type().rank() == 1 && other.type().dim(0).equals(gemm.type().dim(-1));
            if (!(bias || other.type().equals(gemm.type())) || other.type().dtype() != strata.compiler.graph.DType.F32) return null;
            init = other;
            v = op.result();
            i++;
            // a residual added after the bias: x + (h W + b)
            Value r = i < members.size() && members.get(i).kind() == OpKind.ADD && bias ? other(members.get(i), v) : null;
            if (r != null && r.type().equals(gemm.type())) {
                residual = r;
                v = members.get(i++).result();
            }
        }
        String act = null;
        if (i < members.size() && members.get(i).kind() == OpKind.GELU && members.get(i).operands().getFirst().equals(v)) {
            act = "gelu_" + (members.get(i).strAttr("approximate", "erf").equals("tanh") ? "tanh" : "erf");
            v = members.get(i++).result();
        } else if (i + 1 < members.size() && members.get(i).kind() == OpKind.SIGMOID && members.get(i).operands().getFirst().equals(v)
                && members.get(i + 1).kind() == OpKind.MUL && v.equals(other(members.get(i + 1), members.get(i).result()))) {
            act = "silu"; // silu(x) = x * sigmoid(x), either order of the product
            v = members.get(i + 1).result();
            i += 2;
        }
        Value gate = null;
        if (i < members.size() && members.get(i).kind() == OpKind.MUL) {
            gate = other(members.get(i), v);
            if (gate == null || !gate.type().equals(v.type()) || gate.type().dtype() != strata.compiler.graph.DType.F32) return null;
            v = members.get(i++).result();
        }
        if (i == 0 || i != members.size() || !v.equals(root.result()) || !root.type().equals(gemm.type())) return null;
        // every read of the start value is this group's, so the GEMM need not store it
        long reads = members.stream().flatMap(m -> m.operands().stream()).filter(start::equals).count();
        if (uses.getOrDefault(start, 0) != reads) return null;
        Set<Op> absorbed = new HashSet<>();
        if (prior != null) {
            absorbed.addAll(prior.absorbed());
            absorbed.add(prior.root());
        }
        return new Epilogue(root, init, residual, act, gate, absorbed);
    }

    /** The operand of a binary op besides {@code v}, or null when v is not one of them or is both. */
    private static Value other(Op op, Value v) {
        List<Value> xs = op.operands();
        if (xs.size() != 2 || xs.get(0).equals(xs.get(1))) return null;
        return xs.get(0).equals(v) ? xs.get(1) : xs.get(1).equals(v) ? xs.get(0) : null;
    }

    private static void countUses(Op op, Map<Value, Integer> uses) {
        for (Value v : op.operands()) uses.merge(v, 1, Integer::sum);
        for (var r : op.regions()) {
            for (Op o : r.ops()) countUses(o, uses);
            uses.merge(r.yield(), 1, Integer::sum);
        }
    }

    /**
     * Whether a matmul is one the tuned GEMM runs: f32, a weight-like 2-D right side, and a left
     * side of rank >= 2, or a transposed 2-D one (the X^T dY of a weight's gradient over a batch's rows).
     */
    static boolean isGemm(Op op) {
        if (op.kind() != OpKind.MATMUL || op.type().dtype() != strata.compiler.graph.DType.F32 || op.operands().get(1).type().rank() != 2) return false;
        int aRank = op.operands().get(0).type().rank();
        return op.boolAttr("transpose_a", false) ? aRank == 2 : aRank >= 2;
    }

    public List<Kernel> kernels() {
        List<Kernel> out = new ArrayList<>();
        for (Step s : steps) if (s instanceof Call c) out.add(c.kernel());
        return out;
    }

    /** The kernels as text: what {@code strata compile --emit=kernel} prints and the compile cache keys on. */
    public String text() { return KernelPrinter.print(kernels()); }

    /** Lowers every stored value of the graph; an op with no lowering is refused by name. */
    /**
     * The buffers whose memory a graph output ends up in: the outputs' own, and every buffer an
     * output reshapes (a reshape is an alias, so the buffer under it must outlive the run and must
     * not be handed to another value).
     */
    public static Set<String> outputMemory(Graph g, List<Step> steps) {
        Map<String, String> aliasOf = new HashMap<>();
        for (Step p : steps)
            if (p instanceof Alias a) aliasOf.put(KernelLowering.bufferName(a.result()), KernelLowering.bufferName(a.of()));
        Set<String> out = new HashSet<>();
        for (Value v : g.outputs())
            for (String n = KernelLowering.bufferName(v); n != null && out.add(n); n = aliasOf.get(n)) { }
        return out;
    }

    /** {@link #outputMemory(Graph, List)} of this lowering. */
    public Set<String> outputMemory() { return outputMemory(graph, steps); }

    public static GraphLowering of(Graph g) { return of(g, true); }

    /** As {@link #of(Graph)}; {@code fuseAttention} false lowers attention unfused (the benchmark's peer). */
    public static GraphLowering of(Graph g, boolean fuseAttention) { return of(g, fuseAttention, true, false); }

    /** As {@link #of(Graph, boolean)}; {@code inPlace} false gives every kernel's output a buffer of its own. */
    public static GraphLowering of(Graph g, boolean fuseAttention, boolean inPlace) { return of(g, fuseAttention, inPlace, false); }

    /**
     * A program for training: dropout masks as in the interpreter's training mode, from each op's
     * seed and the step seed, which the kernels read as the run-time size {@link CounterStream#STEP_SEED}.
     */
    public static GraphLowering training(Graph g) { return of(g, true, true, true); }

    /** As {@link #of(Graph, boolean, boolean)}; {@code training} makes dropout mask (else it is the identity). */
    public static GraphLowering of(Graph g, boolean fuseAttention, boolean inPlace, boolean training) {
        Map<Value, Op> producers = new HashMap<>();
        for (Op op : g.ops()) producers.put(op.result(), op);
        Map<Op, List<Op>> groups = ElementwiseFusion.groups(g);
        Map<Op, Epilogue> epilogues = epilogues(g, producers, groups);
        Set<Op> absorbed = new HashSet<>();
        for (Epilogue e : epilogues.values()) absorbed.addAll(e.absorbed());
        List<Step> plan = new ArrayList<>();
        List<OpLowering.Requirement> requirements = new ArrayList<>();
        Map<Op, AttentionGradSiblings.Group> attentionGrads = AttentionGradSiblings.of(g);
        int n = 0;
        for (var group : groups.entrySet()) {
            Op root = group.getKey();
            if (root.kind() == OpKind.PARAM || root.kind() == OpKind.INPUT) continue;
            if (epilogues.containsKey(root) || absorbed.contains(root)) continue; // made with its epilogue below
            var fused = epilogues.entrySet().stream().filter(e -> e.getValue().root() == root).findFirst().orElse(null);
            if (fused != null) {
                Op gemm = fused.getKey();
                Epilogue e = fused.getValue();
                plan.add(new Gemm(gemm.operands().get(0), gemm.operands().get(1), root.result(), gemm.boolAttr("transpose_b", false),
                        e.init(), e.activation(), e.gate(), e.residual(), gemm.boolAttr("transpose_a", false)));
                continue;
            }
            if (isGemm(root)) {
                plan.add(new Gemm(root.operands().get(0), root.operands().get(1), root.result(), root.boolAttr("transpose_b", false), null, null, null,
                        null, root.boolAttr("transpose_a", false)));
                continue;
            }
            AttentionGradSiblings.Group siblings = attentionGrads.get(root);
            if (siblings != null) {
                // the gradients of one attention, made together where the first of them stands
                if (siblings.ops().getFirst() == root)
                    for (Kernel k : FusedAttentionGrad.lowerTogether("k" + n++ + "_" + root.kind().mnemonic(), siblings.ops(), siblings.forward(), producers))
                        plan.add(new Call(k));
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
                if (m.gate() != null) needed.add(m.gate());
                if (m.residual() != null) needed.add(m.residual());
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
        if (inPlace) plan = InPlaceWrites.apply(g, plan, named);
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
