package strata.compiler.kernel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;
import org.quicktheories.impl.Constraint;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.kernel.KStmt.LoopKind;

/**
 * Well-formed random kernels for property tests: sizes and buffers of every dtype and rank with
 * symbolic and concrete dims, then nested loops of every kind (one optional outermost parallel
 * loop), locals, reductions into them, stores whose indices are affine in the loop variables, and
 * expressions mixing loads, selects, casts, comparisons and every scalar op on the types it
 * applies to. Every choice is drawn from QuickTheories' randomness source, so failures shrink.
 */
public final class RandomKernels {
    private static final String[] SIZES = {"N", "M", "K"};
    private static final DType[] TYPES = {DType.F32, DType.F32, DType.F32, DType.F16, DType.BF16, DType.I32, DType.I64, DType.BOOL};
    private static final ScalarOp[] FLOAT_UNARY = {ScalarOp.NEG, ScalarOp.EXP, ScalarOp.LOG, ScalarOp.SQRT, ScalarOp.RSQRT, ScalarOp.TANH,
        ScalarOp.SIN, ScalarOp.COS, ScalarOp.ERF, ScalarOp.SIGMOID, ScalarOp.ABS, ScalarOp.RECIP};
    private static final ScalarOp[] FLOAT_BINARY = {ScalarOp.ADD, ScalarOp.SUB, ScalarOp.MUL, ScalarOp.DIV, ScalarOp.MAX, ScalarOp.MIN,
        ScalarOp.POW, ScalarOp.MOD};
    private static final ScalarOp[] INT_BINARY = {ScalarOp.ADD, ScalarOp.SUB, ScalarOp.MUL, ScalarOp.DIV, ScalarOp.MAX, ScalarOp.MIN, ScalarOp.MOD,
        ScalarOp.ADD_WRAP, ScalarOp.MUL_WRAP, ScalarOp.XOR, ScalarOp.SHL, ScalarOp.SHR};
    private static final ScalarOp[] COMPARISONS = {ScalarOp.EQ, ScalarOp.NE, ScalarOp.LT, ScalarOp.LE, ScalarOp.GT, ScalarOp.GE};
    private static final double[] FLOATS = {0.0, 1.0, -1.5, 0.125, 1.0e-5, 3.0e38, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN};

    private final RandomnessSource in;
    private final List<String> sizes = new ArrayList<>();
    private final List<Kernel.Buffer> buffers = new ArrayList<>();
    private final Deque<List<KExpr.Var>> scopes = new ArrayDeque<>();
    private int names;
    private boolean parallel;

    private RandomKernels(RandomnessSource in) {
        this.in = in;
    }

    public static Gen<Kernel> kernels() { return in -> new RandomKernels(in).kernel(); }

    private int pick(int n) { return (int) in.next(Constraint.between(0, n - 1)); }

    private boolean chance(int percent) { return pick(100) < percent; }

    private <T> T pick(List<T> xs) { return xs.get(pick(xs.size())); }

    private Kernel kernel() {
        for (int i = 0, n = pick(SIZES.length + 1); i < n; i++) sizes.add(SIZES[i]);
        for (int i = 0, n = 1 + pick(3); i < n; i++) buffers.add(buffer("x" + i, Kernel.Access.IN));
        for (int i = 0, n = 1 + pick(2); i < n; i++) buffers.add(buffer("out" + i, chance(70) ? Kernel.Access.OUT : Kernel.Access.INOUT));
        scopes.push(new ArrayList<>());
        List<KStmt> body = statements(0, 1 + pick(4));
        return new Kernel("k" + pick(100), buffers, sizes, body);
    }

    private Kernel.Buffer buffer(String name, Kernel.Access access) {
        List<Dim> shape = new ArrayList<>();
        for (int i = 0, rank = pick(4); i < rank; i++) {
            if (sizes.isEmpty() || chance(40)) shape.add(Dim.of(1 + pick(1024)));
            else {
                Dim s = Dim.sym(pick(sizes));
                shape.add(switch (pick(4)) {
                    case 0 -> s.plus(Dim.of(1));
                    case 1 -> s.times(2);
                    default -> s;
                });
            }
        }
        return new Kernel.Buffer(name, TYPES[pick(TYPES.length)], shape, access);
    }

    private List<KStmt> statements(int depth, int count) {
        List<KStmt> out = new ArrayList<>();
        for (int i = 0; i < count; i++) statement(depth, out);
        return out;
    }

    private void statement(int depth, List<KStmt> out) {
        switch (pick(depth < 3 ? 7 : 4)) {
            case 0 -> {
                DType t = TYPES[pick(TYPES.length)];
                out.add(local(t, expr(t, 2)));
            }
            case 1 -> {
                List<KExpr.Var> locals = visible(null).stream().filter(v -> v.name().startsWith("a")).toList();
                if (locals.isEmpty()) out.add(store());
                else {
                    KExpr.Var acc = pick(locals);
                    out.add(new KStmt.Assign(acc.name(), chance(70) ? reduce(acc) : expr(acc.type(), 2)));
                }
            }
            case 2, 3 -> out.add(store());
            case 4, 5 -> out.add(loop(depth, () -> statements(depth + 1, 1 + pick(3))));
            default -> reduction(depth, out);
        }
    }

    /** {@code local %acc = c; for ... { %acc = op(%acc, x) }; store %out[...] = %acc}. */
    private void reduction(int depth, List<KStmt> out) {
        Kernel.Buffer b = pick(buffers.stream().filter(x -> x.access() != Kernel.Access.IN).toList());
        KStmt.Local decl = local(b.dtype(), constant(b.dtype()));
        KExpr.Var acc = new KExpr.Var(decl.name(), decl.type());
        out.add(decl);
        out.add(loop(depth, () -> List.of(new KStmt.Assign(acc.name(), reduce(acc)))));
        out.add(new KStmt.Store(b.name(), indices(b), acc));
    }

    private KStmt.Local local(DType t, KExpr init) {
        KStmt.Local l = new KStmt.Local("a" + names++, t, init);
        scopes.element().add(new KExpr.Var(l.name(), t));
        return l;
    }

    private KStmt.Store store() {
        Kernel.Buffer b = pick(buffers.stream().filter(x -> x.access() != Kernel.Access.IN).toList());
        return new KStmt.Store(b.name(), indices(b), expr(b.dtype(), 3));
    }

    /** A loop of a random kind whose body is generated with its variable in scope. */
    private KStmt.Loop loop(int depth, Supplier<List<KStmt>> body) {
        LoopKind kind;
        int width = 0;
        if (depth == 0 && !parallel && chance(40)) {
            kind = LoopKind.PARALLEL;
            parallel = true;
        } else {
            kind = List.of(LoopKind.SERIAL, LoopKind.VECTOR, LoopKind.UNROLL).get(pick(3));
            if (kind == LoopKind.VECTOR) width = 1 << pick(6);
            if (kind == LoopKind.UNROLL) width = 1 + pick(8);
        }
        KExpr lo = chance(60) ? KExpr.i64(0) : index(2), hi = index(2);
        String var = "i" + names++;
        List<KExpr.Var> scope = new ArrayList<>();
        scope.add(new KExpr.Var(var, DType.I64));
        scopes.push(scope);
        List<KStmt> stmts = body.get();
        scopes.pop();
        return new KStmt.Loop(var, lo, hi, kind, width, stmts);
    }

    /** A reduction step: add, max or min into a number, or and/or into a bool. */
    private KExpr reduce(KExpr.Var acc) {
        KExpr x = expr(acc.type(), 2);
        if (acc.type() == DType.BOOL) return KExpr.binary(chance(50) ? ScalarOp.AND : ScalarOp.OR, acc, x);
        return KExpr.binary(List.of(ScalarOp.ADD, ScalarOp.MAX, ScalarOp.MIN).get(pick(3)), acc, x);
    }

    private List<KExpr> indices(Kernel.Buffer b) {
        List<KExpr> xs = new ArrayList<>();
        for (int i = 0; i < b.shape().size(); i++) xs.add(index(2));
        return xs;
    }

    /** An i64 index: affine in loop variables and sizes ({@code add(mul(%i, 768), %j)}), now and then min, max or a cast. */
    private KExpr index(int depth) {
        if (depth > 0 && chance(50)) {
            int k = pick(10);
            if (k == 0) return new KExpr.Cast(expr(DType.I32, 1), DType.I64);
            ScalarOp op = k < 4 ? ScalarOp.ADD : k < 6 ? ScalarOp.SUB : k < 8 ? ScalarOp.MUL : chance(50) ? ScalarOp.MAX : ScalarOp.MIN;
            return KExpr.binary(op, index(depth - 1), index(depth - 1));
        }
        List<KExpr.Var> vars = visible(DType.I64);
        int k = pick(3);
        if (k == 0 && !vars.isEmpty()) return pick(vars);
        if (k == 1 && !sizes.isEmpty()) return new KExpr.Size(pick(sizes));
        return KExpr.i64(chance(90) ? pick(1025) : -1 - pick(8));
    }

    private KExpr expr(DType t, int depth) {
        if (depth == 0 || chance(30)) return leaf(t);
        int k = pick(10);
        if (k == 0) return new KExpr.Select(expr(DType.BOOL, depth - 1), expr(t, depth - 1), expr(t, depth - 1));
        if (k == 1) return new KExpr.Cast(expr(TYPES[pick(TYPES.length)], depth - 1), t);
        if (t == DType.BOOL) {
            if (k < 4) return KExpr.unary(ScalarOp.NOT, expr(t, depth - 1));
            if (k < 6) return KExpr.binary(chance(50) ? ScalarOp.AND : ScalarOp.OR, expr(t, depth - 1), expr(t, depth - 1));
            DType u = TYPES[pick(TYPES.length)];
            return KExpr.binary(COMPARISONS[pick(COMPARISONS.length)], expr(u, depth - 1), expr(u, depth - 1));
        }
        if (k < 4) return KExpr.unary(t.isFloat() ? FLOAT_UNARY[pick(FLOAT_UNARY.length)] : chance(50) ? ScalarOp.NEG : ScalarOp.ABS, expr(t, depth - 1));
        ScalarOp[] ops = t.isFloat() ? FLOAT_BINARY : INT_BINARY;
        return KExpr.binary(ops[pick(ops.length)], expr(t, depth - 1), expr(t, depth - 1));
    }

    private KExpr leaf(DType t) {
        List<KExpr.Var> vars = visible(t);
        List<Kernel.Buffer> readable = buffers.stream().filter(b -> b.access() != Kernel.Access.OUT && b.dtype() == t).toList();
        int k = pick(4);
        if (k == 0 && !vars.isEmpty()) return pick(vars);
        if (k == 1 && !readable.isEmpty()) {
            Kernel.Buffer b = pick(readable);
            return new KExpr.Load(b.name(), indices(b), t);
        }
        if (k == 2 && t == DType.I64) return index(1);
        return constant(t);
    }

    private KExpr constant(DType t) {
        if (t == DType.BOOL) return new KExpr.Const(pick(2), t);
        if (t == DType.I32) return new KExpr.Const(chance(80) ? pick(100) : (int) in.next(Constraint.none()), t);
        if (t == DType.I64) return chance(80) ? new KExpr.Const(pick(100), t) : KExpr.Const.ofBits(in.next(Constraint.none()), t); // all 64 bits
        if (chance(60)) return new KExpr.Const(FLOATS[pick(FLOATS.length)], t);
        double v = Double.longBitsToDouble(in.next(Constraint.none()));
        return new KExpr.Const(Double.isNaN(v) ? Double.NaN : v, t);
    }

    /** The variables in scope, of type {@code t} (any type for null). */
    private List<KExpr.Var> visible(DType t) {
        List<KExpr.Var> out = new ArrayList<>();
        for (List<KExpr.Var> scope : scopes)
            for (KExpr.Var v : scope) if (t == null || v.type() == t) out.add(v);
        return out;
    }
}
