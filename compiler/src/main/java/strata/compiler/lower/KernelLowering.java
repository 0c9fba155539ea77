package strata.compiler.lower;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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

    public static Kernel elementwise(String name, Op root, List<Op> members, Map<Value, Op> producers) {
        TensorType out = root.type();
        int rank = out.rank();
        List<String> idx = new ArrayList<>();
        for (int i = 0; i < rank; i++) idx.add("i" + i);
        Set<Op> inGroup = new java.util.HashSet<>(members);
        Map<Value, Kernel.Buffer> inputs = new LinkedHashMap<>();
        Map<Value, KExpr> memo = new HashMap<>();
        KExpr value = expr(root.result(), inGroup, producers, inputs, idx, out, memo);
        Kernel.Buffer outBuf = new Kernel.Buffer(bufferName(root.result()), out.dtype(), out.shape(), Kernel.Access.OUT);
        List<KExpr> outIdx = new ArrayList<>();
        for (String i : idx) outIdx.add(new KExpr.Var(i, DType.I64));
        List<KStmt> body = List.of(new KStmt.Store(outBuf.name(), outIdx, value));
        for (int a = rank - 1; a >= 0; a--) {
            KStmt.LoopKind kind = a == 0 ? KStmt.LoopKind.PARALLEL : a == rank - 1 ? KStmt.LoopKind.VECTOR : KStmt.LoopKind.SERIAL;
            body = List.of(new KStmt.Loop(idx.get(a), KExpr.i64(0), dimExpr(out.dim(a)), kind, kind == KStmt.LoopKind.VECTOR ? 16 : 0, body));
        }
        List<Kernel.Buffer> buffers = new ArrayList<>(inputs.values());
        buffers.add(outBuf);
        Set<String> sizes = new LinkedHashSet<>();
        for (Kernel.Buffer b : buffers) for (Dim d : b.shape()) sizes.addAll(d.symbols());
        return new Kernel(name, buffers, new ArrayList<>(sizes), body);
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

    private static KExpr expr(Value v, Set<Op> group, Map<Value, Op> producers, Map<Value, Kernel.Buffer> inputs,
                              List<String> idx, TensorType out, Map<Value, KExpr> memo) {
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
        } else if (p != null && group.contains(p)) {
            List<KExpr> args = new ArrayList<>();
            for (Value o : p.operands()) args.add(expr(o, group, producers, inputs, idx, out, memo));
            e = scalar(p, args);
        } else {
            Kernel.Buffer b = inputs.computeIfAbsent(v, x -> new Kernel.Buffer(bufferName(x), x.type().dtype(), x.type().shape(), Kernel.Access.IN));
            List<KExpr> index = new ArrayList<>();
            int offset = out.rank() - v.type().rank();
            for (int a = 0; a < v.type().rank(); a++) {
                Dim d = v.type().dim(a);
                boolean broadcast = d.isConstant() && d.value() == 1 && !(out.dim(offset + a).isConstant() && out.dim(offset + a).value() == 1);
                index.add(broadcast ? KExpr.i64(0) : new KExpr.Var(idx.get(offset + a), DType.I64));
            }
            e = new KExpr.Load(b.name(), index, v.type().dtype());
        }
        memo.put(v, e);
        return e;
    }

    /** One element of a pointwise op from its operands' elements. */
    static KExpr scalar(Op op, List<KExpr> a) {
        return switch (op.kind()) {
            case GELU -> gelu(a.get(0), op.strAttr("approximate", "erf"));
            case DROPOUT, BROADCAST -> a.get(0);
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
