package strata.compiler.lower;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.KStmt;
import strata.compiler.kernel.Kernel;
import strata.compiler.kernel.ScalarOp;

/**
 * Lowers a fused group of elementwise ops to one kernel: a loop nest over the root's shape
 * (outermost loop parallel, innermost vectorized) whose body evaluates the whole group per
 * element, reading each value from outside the group with numpy broadcasting (an axis of size 1
 * is read at index 0).
 */
public final class KernelLowering {
    private KernelLowering() {}

    /** The kernel's buffers name graph values: {@code v<id>}. */
    public static String bufferName(Value v) { return "v" + v.id(); }

    /** The group's kernel in inference mode: dropout is the identity. */
    public static Kernel elementwise(String name, Op root, List<Op> members, Map<Value, Op> producers) {
        return elementwise(name, root, members, producers, false);
    }

    /**
     * The group's kernel; in {@code training} mode dropout masks with the stream of its seed and
     * the run-time step seed (the size {@link CounterStream#STEP_SEED}), as the interpreter does.
     */
    public static Kernel elementwise(String name, Op root, List<Op> members, Map<Value, Op> producers, boolean training) {
        TensorType out = root.type();
        int rank = out.rank();
        List<String> idx = new ArrayList<>();
        for (int i = 0; i < rank; i++) idx.add("i" + i);
        Set<Op> inGroup = new java.util.HashSet<>(members);
        Map<Value, Kernel.Buffer> inputs = new LinkedHashMap<>();
        Map<Value, KExpr> memo = new HashMap<>();
        Group group = new Group(inGroup, producers, inputs, idx, out, memo, training, new ArrayList<>());
        KExpr value = group.expr(root.result());
        Kernel.Buffer outBuf = new Kernel.Buffer(bufferName(root.result()), out.dtype(), out.shape(), Kernel.Access.OUT);
        List<KExpr> outIdx = new ArrayList<>();
        for (String i : idx) outIdx.add(new KExpr.Var(i, DType.I64));
        List<KStmt> body = new ArrayList<>(group.locals());
        body.add(new KStmt.Store(outBuf.name(), outIdx, value));
        for (int a = rank - 1; a >= 0; a--) {
            KStmt.LoopKind kind = a == 0 ? KStmt.LoopKind.PARALLEL : a == rank - 1 ? KStmt.LoopKind.VECTOR : KStmt.LoopKind.SERIAL;
            body = List.of(new KStmt.Loop(idx.get(a), KExpr.i64(0), dimExpr(out.dim(a)), kind, kind == KStmt.LoopKind.VECTOR ? 16 : 0, body));
        }
        List<Kernel.Buffer> buffers = new ArrayList<>(inputs.values());
        buffers.add(outBuf);
        return Nest.kernel(name, buffers, body); // sizes also from the body: random counters, the step seed
    }

    static KExpr dimExpr(Dim d) {
        KExpr sum = null;
        for (var t : d.terms().entrySet()) {
            KExpr term = KExpr.i64(t.getValue());
            if (!t.getKey().isEmpty())
                for (String s : t.getKey().split("\\*")) term = mulI(term, new KExpr.Size(s));
            sum = sum == null ? term : new KExpr.Binary(ScalarOp.ADD, sum, term, DType.I64);
        }
        return sum == null ? KExpr.i64(0) : sum;
    }

    private static KExpr mulI(KExpr a, KExpr b) {
        if (a instanceof KExpr.Const c && c.value() == 1) return b;
        return new KExpr.Binary(ScalarOp.MUL, a, b, DType.I64);
    }

    /**
     * What one element of the group reads and computes, at the loop indices {@code idx} over
     * {@code out}; values a formula uses more than once are bound to {@code locals}, declared in
     * the innermost loop before the store.
     */
    private record Group(Set<Op> group, Map<Value, Op> producers, Map<Value, Kernel.Buffer> inputs, List<String> idx,
                         TensorType out, Map<Value, KExpr> memo, boolean training, List<KStmt> locals) {

        /** {@code local %rN = e}, read back as %rN; leaves and loads need no local. */
        private KExpr let(KExpr e) {
            if (e instanceof KExpr.Var || e instanceof KExpr.Const || e instanceof KExpr.Size) return e;
            String name = "r" + locals.size();
            locals.add(new KStmt.Local(name, e.type(), e));
            return new KExpr.Var(name, e.type());
        }

        private CounterStream stream() { return new CounterStream(this::let); }

        KExpr expr(Value v) {
            KExpr known = memo.get(v);
            if (known != null) return known;
            Op p = producers.get(v);
            KExpr e;
            if (p != null && p.kind() == OpKind.CONST) e = new KExpr.Const(p.floatAttr("value", 0), p.type().dtype());
            else if (p != null && p.kind() == OpKind.IOTA) {
                int axis = (int) p.intAttr("axis");
                int outAxis = out.rank() - p.type().rank() + axis;
                KExpr i = new KExpr.Var(idx.get(outAxis), DType.I64);
                e = p.type().dtype() == DType.I64 ? i : new KExpr.Cast(i, p.type().dtype());
            } else if (p != null && p.kind() == OpKind.RANDOM) e = let(random(p));
            else if (p != null && group.contains(p)) {
                List<KExpr> args = new ArrayList<>();
                for (Value o : p.operands()) args.add(expr(o));
                e = p.kind() == OpKind.DROPOUT && training ? dropout(p, args.getFirst()) : scalar(p, args);
            } else {
                Kernel.Buffer b = inputs.computeIfAbsent(v, x -> new Kernel.Buffer(bufferName(x), x.type().dtype(), x.type().shape(), Kernel.Access.IN));
                e = new KExpr.Load(b.name(), index(v), v.type().dtype());
            }
            memo.put(v, e);
            return e;
        }

        /** The index of v's element at the current position: numpy broadcasting, an axis of size 1 read at 0. */
        private List<KExpr> index(Value v) {
            List<KExpr> index = new ArrayList<>();
            int offset = out.rank() - v.type().rank();
            for (int a = 0; a < v.type().rank(); a++) {
                Dim d = v.type().dim(a);
                boolean broadcast = d.isConstant() && d.value() == 1 && !(out.dim(offset + a).isConstant() && out.dim(offset + a).value() == 1);
                index.add(broadcast ? KExpr.i64(0) : new KExpr.Var(idx.get(offset + a), DType.I64));
            }
            return index;
        }

        /** The row-major flat index of that element in v's own shape: the counter of a random stream. */
        private KExpr counter(Value v) {
            List<KExpr> index = index(v);
            KExpr flat = KExpr.i64(0);
            for (int a = 0; a < index.size(); a++)
                flat = flat instanceof KExpr.Const c && c.bits() == 0 ? index.get(a) : Nest.add(Nest.mul(flat, dimExpr(v.type().dim(a))), index.get(a));
            return flat;
        }

        /** {@code random {seed, dist}}: the interpreter's uniform or normal at the element's counter. */
        private KExpr random(Op p) {
            KExpr seed = KExpr.i64(p.intAttr("seed", 0)), counter = counter(p.result());
            DType t = p.type().dtype();
            return switch (p.strAttr("dist", "uniform")) {
                case "uniform" -> stream().uniform(seed, counter, t);
                case "normal" -> {
                    if (t != DType.F32) throw new UnsupportedOperationException("the CPU backend draws `random {dist: normal}` as f32 only, not "
                            + t + " (the interpreter truncates a double normal, which f32 cannot reproduce): draw f32 and cast");
                    yield stream().normal(seed, counter);
                }
                case String d -> throw new UnsupportedOperationException("random: unknown distribution `" + d + "` (expected uniform or normal)");
            };
        }

        /** Training-mode dropout: the mask of the op's stream in this step, at the element's counter. */
        private KExpr dropout(Op p, KExpr x) {
            double prob = p.floatAttr("p", 0.0);
            if (prob < 0 || prob > 1) throw new IllegalArgumentException("dropout probability " + prob + " is outside [0, 1]");
            if (prob == 0) return x;
            CounterStream s = stream();
            KExpr seed = s.streamSeed(p.intAttr("seed", 0), new KExpr.Size(CounterStream.STEP_SEED));
            return s.dropout(x, prob, seed, counter(p.result()));
        }
    }

    /** One element of a pointwise op from its operands' elements. */
    static KExpr scalar(Op op, List<KExpr> a) {
        return switch (op.kind()) {
            case GELU -> gelu(a.get(0), op.strAttr("approximate", "erf"));
            case DROPOUT, BROADCAST -> a.get(0); // dropout in inference; training's is Group.dropout
            case NEG -> KExpr.unary(ScalarOp.NEG, a.get(0));
            case EXP -> KExpr.unary(ScalarOp.EXP, a.get(0));
            case LOG -> KExpr.unary(ScalarOp.LOG, a.get(0));
            case SQRT -> KExpr.unary(ScalarOp.SQRT, a.get(0));
            case RSQRT -> KExpr.unary(ScalarOp.RSQRT, a.get(0));
            case TANH -> KExpr.unary(ScalarOp.TANH, a.get(0));
            case SIN -> KExpr.unary(ScalarOp.SIN, a.get(0));
            case COS -> KExpr.unary(ScalarOp.COS, a.get(0));
            case ERF -> KExpr.unary(ScalarOp.ERF, a.get(0));
            case SIGMOID -> KExpr.unary(ScalarOp.SIGMOID, a.get(0));
            case ABS -> KExpr.unary(ScalarOp.ABS, a.get(0));
            case RECIP -> KExpr.unary(ScalarOp.RECIP, a.get(0));
            case NOT -> KExpr.unary(ScalarOp.NOT, a.get(0));
            case CAST -> new KExpr.Cast(a.get(0), op.type().dtype());
            case ADD -> KExpr.binary(ScalarOp.ADD, a.get(0), a.get(1));
            case SUB -> KExpr.binary(ScalarOp.SUB, a.get(0), a.get(1));
            case MUL -> KExpr.binary(ScalarOp.MUL, a.get(0), a.get(1));
            case DIV -> KExpr.binary(ScalarOp.DIV, a.get(0), a.get(1));
            case MAX -> KExpr.binary(ScalarOp.MAX, a.get(0), a.get(1));
            case MIN -> KExpr.binary(ScalarOp.MIN, a.get(0), a.get(1));
            case POW -> KExpr.binary(ScalarOp.POW, a.get(0), a.get(1));
            case MOD -> KExpr.binary(ScalarOp.MOD, a.get(0), a.get(1));
            case EQ -> KExpr.binary(ScalarOp.EQ, a.get(0), a.get(1));
            case NE -> KExpr.binary(ScalarOp.NE, a.get(0), a.get(1));
            case LT -> KExpr.binary(ScalarOp.LT, a.get(0), a.get(1));
            case LE -> KExpr.binary(ScalarOp.LE, a.get(0), a.get(1));
            case GT -> KExpr.binary(ScalarOp.GT, a.get(0), a.get(1));
            case GE -> KExpr.binary(ScalarOp.GE, a.get(0), a.get(1));
            case AND -> KExpr.binary(ScalarOp.AND, a.get(0), a.get(1));
            case OR -> KExpr.binary(ScalarOp.OR, a.get(0), a.get(1));
            case SELECT -> new KExpr.Select(a.get(0), a.get(1), a.get(2));
            default -> throw new IllegalArgumentException(op.kind() + " is not elementwise");
        };
    }

    /**
     * GELU (Hendrycks and Gimpel, 2016): 0.5 x (1 + erf(x / sqrt 2)), or the paper's tanh
     * approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as the interpreter computes them.
     */
    private static KExpr gelu(KExpr x, String approximate) {
        DType t = x.type();
        KExpr inner = switch (approximate) {
            case "erf", "none" -> KExpr.unary(ScalarOp.ERF, KExpr.binary(ScalarOp.MUL, x, new KExpr.Const(1 / Math.sqrt(2), t)));
            case "tanh" -> {
                KExpr cube = KExpr.binary(ScalarOp.MUL, KExpr.binary(ScalarOp.MUL, x, x), x);
                KExpr arg = KExpr.binary(ScalarOp.ADD, x, KExpr.binary(ScalarOp.MUL, new KExpr.Const(0.044715, t), cube));
                yield KExpr.unary(ScalarOp.TANH, KExpr.binary(ScalarOp.MUL, new KExpr.Const(Math.sqrt(2 / Math.PI), t), arg));
            }
            default -> throw new IllegalArgumentException("gelu: unknown approximation `" + approximate + "` (expected erf or tanh)");
        };
        KExpr half = KExpr.binary(ScalarOp.MUL, new KExpr.Const(0.5, t), x);
        return KExpr.binary(ScalarOp.MUL, half, KExpr.binary(ScalarOp.ADD, new KExpr.Const(1, t), inner));
    }
}
