package strata.compiler.graph.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import strata.compiler.graph.Attr;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.ShapeRules;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;

/**
 * Local rewrites to a fixpoint: constant folding (see {@link ConstantFolding}) and algebraic
 * identities that hold exactly, each below headed by its algebra. A rewrite either forwards an
 * existing value (only when its type is the op's type, so broadcasting never changes a shape) or
 * emits a simpler op. Like MLIR's greedy driver, ops left without users are erased at the end
 * (parameters and inputs stay).
 */
public final class Canonicalize implements Pass {
    /** Rounds of rewriting before giving up on reaching a fixpoint; each round walks every op once. */
    private static final int MAX_ROUNDS = 64;

    private Map<Integer, Op> defs;
    /** Reads of each value (by id) at the start of the round: operands, region yields and the graph's outputs. */
    private Map<Integer, Integer> uses;
    private List<Op> block;
    private int nextId;
    private boolean changed;

    @Override public String name() { return "canonicalize"; }

    @Override public Graph run(Graph g) {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            defs = new HashMap<>();
            uses = new HashMap<>();
            countUses(g.ops());
            for (Value v : g.outputs()) uses.merge(v.id(), 1, Integer::sum);
            nextId = g.maxId() + 1;
            changed = false;
            Substitution s = new Substitution();
            List<Op> ops = rewriteBlock(g.ops(), s);
            g = new Graph(g.name(), g.symbols(), ops, s.apply(g.outputs()));
            if (!changed) break;
        }
        return new DeadCodeElimination().run(g);
    }

    private void countUses(List<Op> ops) {
        for (Op op : ops) {
            for (Value v : op.operands()) uses.merge(v.id(), 1, Integer::sum);
            for (Region r : op.regions()) {
                countUses(r.ops());
                uses.merge(r.yield().id(), 1, Integer::sum);
            }
        }
    }

    private List<Op> rewriteBlock(List<Op> ops, Substitution s) {
        List<Op> outer = block;
        block = new ArrayList<>();
        for (Op old : ops) {
            List<Region> regions = new ArrayList<>();
            for (Region r : old.regions()) regions.add(new Region(r.role(), r.args(), rewriteBlock(r.ops(), s), s.apply(r.yield())));
            Op op = new Op(old.result(), old.kind(), s.apply(old.operands()), old.attrs(), regions);
            Value replacement = rewrite(op);
            if (replacement != null) {
                s.replace(op.result(), replacement);
                changed = true;
            } else {
                block.add(op);
                defs.put(op.result().id(), op);
            }
        }
        List<Op> out = block;
        block = outer;
        return out;
    }

    /** The value that replaces {@code op}, or null to keep it. */
    private Value rewrite(Op op) {
        List<Value> in = op.operands();
        Optional<Attr> folded = ConstantFolding.fold(op, this::constant);
        if (folded.isPresent()) return emit(OpKind.CONST, List.of(), Map.of("value", folded.get()), op.type());
        return switch (op.kind()) {
            // add(x, 0) -> x, mul(x, 1) -> x (also with the constant on the left; the sign of a
            // float zero is not preserved, as in XLA's algebraic simplifier)
            case ADD -> forward(op, in.get(0), isConst(in.get(1), 0), in.get(1), isConst(in.get(0), 0));
            case MUL -> forward(op, in.get(0), isConst(in.get(1), 1), in.get(1), isConst(in.get(0), 1));
            // sub(x, 0) -> x, div(x, 1) -> x
            case SUB -> forward(op, in.get(0), isConst(in.get(1), 0), null, false);
            case DIV -> forward(op, in.get(0), isConst(in.get(1), 1), null, false);
            // neg(neg(x)) -> x, not(not(x)) -> x
            case NEG, NOT -> def(in.get(0)).filter(d -> d.kind() == op.kind()).map(d -> d.operands().getFirst()).orElse(null);
            // cast(x : t) -> x, broadcast(x : t) -> x, when x already is a t
            case CAST, BROADCAST -> in.get(0).type().equals(op.type()) ? in.get(0) : null;
            // slice(x, axis, 0, size, 1) -> x: a slice that keeps the whole axis (x[:, none] makes one)
            case SLICE -> in.get(0).type().equals(op.type()) && op.dimAttr("start").equals(Dim.of(0)) && op.intAttr("step", 1) == 1 ? in.get(0) : null;
            case RESHAPE -> reshape(op);
            case PERMUTE -> permute(op);
            case MATMUL -> matmul(op);
            // select(true, a, b) -> a, select(false, a, b) -> b
            case SELECT -> constant(in.get(0)).map(c -> c != 0 ? in.get(1) : in.get(2))
                    .filter(v -> v.type().equals(op.type())).orElse(null);
            default -> null;
        };
    }

    private static Value forward(Op op, Value left, boolean leftIdentity, Value right, boolean rightIdentity) {
        if (leftIdentity && left.type().equals(op.type())) return left;
        if (rightIdentity && right.type().equals(op.type())) return right;
        return null;
    }

    private Value reshape(Op op) {
        Value x = op.operands().getFirst();
        // reshape(x : t) -> x, when x already is a t
        if (x.type().equals(op.type())) return x;
        // reshape(reshape(x)) -> reshape(x)
        Optional<Op> inner = def(x).filter(d -> d.kind() == OpKind.RESHAPE);
        return inner.map(d -> emit(OpKind.RESHAPE, d.operands(), Map.of(), op.type())).orElse(null);
    }

    private Value permute(Op op) {
        Value x = op.operands().getFirst();
        List<Long> perm = op.intsAttr("perm");
        // permute(x, identity) -> x
        if (isIdentity(perm)) return x;
        // permute(matmul(a, b) {ta, tb}, [1, 0]) -> matmul(b, a) {transpose_a = !tb, transpose_b = !ta}
        // for matrices a and b: (op(a) op(b))^T = op(b)^T op(a)^T. A Linear's weight gradient, (X^T dY)^T,
        // becomes dY^T X, one GEMM with no transposing copy; only when the permute is the product's one use
        Optional<Op> product = def(x).filter(d -> d.kind() == OpKind.MATMUL && uses.getOrDefault(x.id(), 0) == 1
                && d.operands().get(0).type().rank() == 2 && d.operands().get(1).type().rank() == 2);
        if (product.isPresent() && perm.equals(List.of(1L, 0L))) {
            Op m = product.get();
            Map<String, Attr> attrs = new HashMap<>(m.attrs());
            boolean ta = m.boolAttr("transpose_a", false), tb = m.boolAttr("transpose_b", false);
            attrs.remove("transpose_a");
            attrs.remove("transpose_b");
            if (!tb) attrs.put("transpose_a", new Attr.Bool(true));
            if (!ta) attrs.put("transpose_b", new Attr.Bool(true));
            return emit(OpKind.MATMUL, List.of(m.operands().get(1), m.operands().get(0)), attrs, null);
        }
        // permute(permute(x, p), q) -> permute(x, r) with r[i] = p[q[i]]
        Optional<Op> inner = def(x).filter(d -> d.kind() == OpKind.PERMUTE);
        if (inner.isEmpty()) return null;
        List<Long> p = inner.get().intsAttr("perm"), composed = new ArrayList<>();
        for (long q : perm) composed.add(p.get((int) q));
        Value source = inner.get().operands().getFirst();
        return isIdentity(composed) ? source : emit(OpKind.PERMUTE, List.of(source), Map.of("perm", new Attr.Ints(composed)), null);
    }

    private Value matmul(Op op) {
        // matmul(permute(a, swap last two), b) -> matmul(a, b) {transpose_a = !transpose_a}, and so for b
        for (int side = 0; side < 2; side++) {
            Value operand = op.operands().get(side);
            Optional<Op> t = def(operand).filter(d -> d.kind() == OpKind.PERMUTE && swapsLastTwo(d.intsAttr("perm")));
            if (t.isEmpty()) continue;
            String flag = side == 0 ? "transpose_a" : "transpose_b";
            Map<String, Attr> attrs = new HashMap<>(op.attrs());
            attrs.put(flag, new Attr.Bool(!op.boolAttr(flag, false)));
            if (!(attrs.get(flag) instanceof Attr.Bool b && b.value())) attrs.remove(flag);
            List<Value> operands = new ArrayList<>(op.operands());
            operands.set(side, t.get().operands().getFirst());
            return emit(OpKind.MATMUL, operands, attrs, null);
        }
        return null;
    }

    private static boolean isIdentity(List<Long> perm) {
        for (int i = 0; i < perm.size(); i++) if (perm.get(i) != i) return false;
        return true;
    }

    private static boolean swapsLastTwo(List<Long> perm) {
        int n = perm.size();
        if (n < 2 || perm.get(n - 1) != n - 2 || perm.get(n - 2) != n - 1) return false;
        for (int i = 0; i < n - 2; i++) if (perm.get(i) != i) return false;
        return true;
    }

    private Optional<Op> def(Value v) { return Optional.ofNullable(defs.get(v.id())); }

    /** The fill value of a {@code const}, as a double (booleans as 0 and 1). */
    private Optional<Double> constant(Value v) {
        return def(v).filter(d -> d.kind() == OpKind.CONST).flatMap(d -> ConstantFolding.value(d.attrs().get("value")));
    }

    private boolean isConst(Value v, double c) { return constant(v).filter(x -> x == c).isPresent(); }

    /** Adds a new op before the one being rewritten; {@code declared} only for ops that declare their type. */
    private Value emit(OpKind kind, List<Value> operands, Map<String, Attr> attrs, TensorType declared) {
        List<TensorType> in = operands.stream().map(Value::type).toList();
        Value result = new Value(nextId++, ShapeRules.infer(kind, in, attrs, declared));
        Op op = new Op(result, kind, operands, attrs, List.of());
        block.add(op);
        defs.put(result.id(), op);
        return result;
    }
}
