package strata.compiler.lower;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Value;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.KStmt;
import strata.compiler.kernel.Kernel;

/**
 * In-place writes: a kernel whose input buffer dies at it writes its output into that buffer
 * instead of a fresh one, so the two share one block of the arena ({@link ArenaPlan}).
 *
 * <p>The rule, checked on the kernel's IR ({@link #candidates}), for an input I and an output O
 * of the same dtype and shape: O is written by exactly one store S and never read; S's index is
 * the variables of all the loops around S, each once (so S writes every element once); and
 * every load of I, outside loop bounds, comes no later than S in program order (in S itself, or
 * in a statement before S in the innermost loop around both) and indexes its first k axes by the
 * variables of the k loops around both, as S does. The elements a load reads then belong to
 * the row S is about to write (or one not yet written), never to one already written: an
 * elementwise kernel reads each element in the statement that overwrites it, and a row-wise one
 * (a norm, a softmax) reads its whole row before its store loop. Anything else is refused.
 *
 * <p>The rewrite keeps the kernel whole but makes its stores to O stores to I (now INOUT), so
 * that generated code has one pointer for the pair (the CPU backend marks distinct buffer
 * pointers {@code noalias}); an {@link GraphLowering.InPlace} step after the call says O is I's
 * memory. A GEMM whose epilogue adds a residual of C's shape is rewritten the same way: it
 * accumulates into the residual's memory ({@link GraphLowering.Gemm#residual()}), each
 * element of C being read and written by the one thread that owns its tile; the residual must
 * then be none of its other operands. Either applies where I is a temporary (no input, parameter, output or view of one) whose
 * last reader is this kernel, and O is no output.
 */
public final class InPlaceWrites {
    private InPlaceWrites() {}

    /** A legal pair: the kernel may write {@code output} into {@code input}'s memory. */
    public record Pair(String input, String output) {}

    /** The (input, output) pairs of a kernel that satisfy the rule above. */
    public static List<Pair> candidates(Kernel k) {
        List<Pair> out = new ArrayList<>();
        for (Kernel.Buffer o : k.buffers()) {
            if (o.access() != Kernel.Access.OUT) continue;
            for (Kernel.Buffer i : k.buffers())
                if (i.access() == Kernel.Access.IN && i.dtype() == o.dtype() && i.shape().equals(o.shape()) && legal(k, i.name(), o.name()))
                    out.add(new Pair(i.name(), o.name()));
        }
        return out;
    }

    /** A load or store with the loops around it and its statement's place in program order. */
    private record Access(List<KExpr> index, List<KStmt.Loop> loops, int seq) {}

    private static boolean legal(Kernel k, String in, String out) {
        List<Access> loads = new ArrayList<>(), stores = new ArrayList<>();
        boolean[] bad = {false};
        walk(k.body(), new ArrayList<>(), new int[]{0}, in, out, loads, stores, bad);
        if (bad[0] || stores.size() != 1) return false;
        Access s = stores.getFirst();
        Set<String> vars = new HashSet<>();
        for (KExpr e : s.index()) if (!(e instanceof KExpr.Var v) || !vars.add(v.name())) return false;
        Set<String> around = new HashSet<>();
        for (KStmt.Loop l : s.loops()) around.add(l.var());
        if (!around.equals(vars)) return false;
        for (Access l : loads) {
            if (l.seq() > s.seq()) return false;
            int common = 0;
            while (common < l.loops().size() && common < s.loops().size() && l.loops().get(common) == s.loops().get(common)) common++;
            if (common > s.index().size() || common > l.index().size()) return false;
            for (int a = 0; a < common; a++) {
                KExpr want = new KExpr.Var(s.loops().get(a).var(), strata.compiler.graph.DType.I64);
                if (!s.index().get(a).equals(want) || !l.index().get(a).equals(want)) return false;
            }
        }
        return true;
    }

    private static void walk(List<KStmt> body, List<KStmt.Loop> loops, int[] seq, String in, String out,
                             List<Access> loads, List<Access> stores, boolean[] bad) {
        for (KStmt st : body) {
            int here = seq[0]++;
            switch (st) {
                case KStmt.Loop l -> {
                    if (reads(l.lo(), in) || reads(l.hi(), in) || reads(l.lo(), out) || reads(l.hi(), out)) bad[0] = true;
                    loops.add(l);
                    walk(l.body(), loops, seq, in, out, loads, stores, bad);
                    loops.removeLast();
                }
                case KStmt.Local x -> collect(x.init(), loops, here, in, out, loads, bad);
                case KStmt.Assign x -> collect(x.value(), loops, here, in, out, loads, bad);
                case KStmt.Store x -> {
                    for (KExpr e : x.index()) collect(e, loops, here, in, out, loads, bad);
                    collect(x.value(), loops, here, in, out, loads, bad);
                    if (x.buffer().equals(out)) stores.add(new Access(x.index(), List.copyOf(loops), here));
                    if (x.buffer().equals(in)) bad[0] = true;
                }
            }
        }
    }

    private static void collect(KExpr e, List<KStmt.Loop> loops, int seq, String in, String out, List<Access> loads, boolean[] bad) {
        switch (e) {
            case KExpr.Load l -> {
                if (l.buffer().equals(out)) bad[0] = true;
                if (l.buffer().equals(in)) loads.add(new Access(l.index(), List.copyOf(loops), seq));
                for (KExpr x : l.index()) collect(x, loops, seq, in, out, loads, bad);
            }
            case KExpr.Unary u -> collect(u.x(), loops, seq, in, out, loads, bad);
            case KExpr.Binary b -> {
                collect(b.a(), loops, seq, in, out, loads, bad);
                collect(b.b(), loops, seq, in, out, loads, bad);
            }
            case KExpr.Select s -> {
                collect(s.cond(), loops, seq, in, out, loads, bad);
                collect(s.a(), loops, seq, in, out, loads, bad);
                collect(s.b(), loops, seq, in, out, loads, bad);
            }
            case KExpr.Cast c -> collect(c.x(), loops, seq, in, out, loads, bad);
            case KExpr.Const c -> {}
            case KExpr.Var v -> {}
            case KExpr.Size s -> {}
        }
    }

    private static boolean reads(KExpr e, String buffer) {
        List<Access> found = new ArrayList<>();
        collect(e, List.of(), 0, buffer, "", found, new boolean[1]);
        return !found.isEmpty();
    }

    /** The kernel with its stores to {@code p.output()} made to {@code p.input()}, which becomes INOUT. */
    public static Kernel rewrite(Kernel k, Pair p) {
        List<Kernel.Buffer> buffers = new ArrayList<>();
        for (Kernel.Buffer b : k.buffers()) {
            if (b.name().equals(p.output())) continue;
            buffers.add(b.name().equals(p.input()) ? new Kernel.Buffer(b.name(), b.dtype(), b.shape(), Kernel.Access.INOUT) : b);
        }
        return new Kernel(k.name(), buffers, k.sizes(), retarget(k.body(), p));
    }

    private static List<KStmt> retarget(List<KStmt> body, Pair p) {
        List<KStmt> out = new ArrayList<>();
        for (KStmt st : body)
            out.add(switch (st) {
                case KStmt.Loop l -> new KStmt.Loop(l.var(), l.lo(), l.hi(), l.kind(), l.width(), retarget(l.body(), p));
                case KStmt.Store s when s.buffer().equals(p.output()) -> new KStmt.Store(p.input(), s.index(), s.value());
                default -> st;
            });
        return out;
    }

    /**
     * The steps with every legal in-place write made: for each kernel call, the first candidate
     * pair whose input is a temporary read last by this call and whose output is no output.
     */
    public static List<GraphLowering.Step> apply(Graph g, List<GraphLowering.Step> steps, Map<String, Value> named) {
        // a view (reshape) is its root's memory: liveness and fixedness are the root's
        Map<String, String> root = new HashMap<>();
        Map<String, Integer> lastRead = new HashMap<>();
        for (int s = 0; s < steps.size(); s++) {
            final int step = s;
            java.util.function.Consumer<String> read = n -> lastRead.put(root.getOrDefault(n, n), step);
            switch (steps.get(s)) {
                case GraphLowering.Alias a -> {
                    String of = KernelLowering.bufferName(a.of());
                    root.put(KernelLowering.bufferName(a.result()), root.getOrDefault(of, of));
                    read.accept(of);
                }
                case GraphLowering.Call c -> { for (Kernel.Buffer b : c.kernel().buffers()) read.accept(b.name()); }
                case GraphLowering.Gemm m -> {
                    for (Value v : java.util.Arrays.asList(m.a(), m.b(), m.init(), m.gate(), m.residual(), m.c()))
                        if (v != null) read.accept(KernelLowering.bufferName(v));
                }
                case GraphLowering.InPlace ip -> read.accept(KernelLowering.bufferName(ip.into()));
            }
        }
        Set<String> fixed = new HashSet<>(GraphLowering.outputMemory(g, steps)), outputs = new HashSet<>();
        for (Value v : g.outputs()) outputs.add(KernelLowering.bufferName(v));
        for (Op op : g.ops())
            if (op.kind() == OpKind.INPUT || op.kind() == OpKind.PARAM) fixed.add(KernelLowering.bufferName(op.result()));
        List<GraphLowering.Step> out = new ArrayList<>();
        java.util.function.Function<Value, String> rootOf = v -> {
            String n = KernelLowering.bufferName(v);
            return root.getOrDefault(n, n);
        };
        for (int s = 0; s < steps.size(); s++) {
            if (steps.get(s) instanceof GraphLowering.Gemm m && (m.residual() != null || m.init() != null && m.init().type().equals(m.c().type()))) {
                // a residual epilogue: the GEMM adds to the residual's own memory when the residual dies
                // here and is none of the GEMM's other operands (those it reads after C changes)
                Value res = m.residual() != null ? m.residual() : m.init();
                String r = rootOf.apply(res);
                boolean distinct = java.util.stream.Stream.of(m.a(), m.b(), m.gate(), m.residual() != null ? m.init() : null)
                        .filter(java.util.Objects::nonNull).noneMatch(v -> rootOf.apply(v).equals(r));
                String c = KernelLowering.bufferName(m.c());
                if (!fixed.contains(r) && !outputs.contains(c) && !fixed.contains(c) && lastRead.get(r) == s && distinct) {
                    out.add(m.into(res, m.residual() != null ? m.init() : null, res));
                    out.add(new GraphLowering.InPlace(m.c(), res));
                    continue;
                }
            }
            if (!(steps.get(s) instanceof GraphLowering.Call c)) {
                out.add(steps.get(s));
                continue;
            }
            Pair chosen = null;
            for (Pair p : candidates(c.kernel())) {
                String r = root.getOrDefault(p.input(), p.input());
                // an output, or a buffer an output reshapes, keeps memory of its own
                if (fixed.contains(r) || fixed.contains(p.input()) || outputs.contains(p.output()) || fixed.contains(p.output()) || lastRead.get(r) != s) continue;
                if (!named.containsKey(p.input()) || !named.containsKey(p.output())) continue;
                chosen = p;
                break;
            }
            if (chosen == null) {
                out.add(c);
                continue;
            }
            out.add(new GraphLowering.Call(rewrite(c.kernel(), chosen)));
            out.add(new GraphLowering.InPlace(named.get(chosen.output()), named.get(chosen.input())));
        }
        return out;
    }
}
