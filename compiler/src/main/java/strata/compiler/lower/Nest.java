package strata.compiler.lower;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.KStmt;
import strata.compiler.kernel.Kernel;
import strata.compiler.kernel.ScalarOp;

/**
 * The vocabulary the lowerings build kernels with: index arithmetic on i64, loops, locals, and a
 * kernel whose size list is every symbol its buffers and loop bounds use. Kept tiny so that each
 * lowering reads as the loop nest it makes.
 */
final class Nest {
    private Nest() {}

    static KExpr idx(String name) { return new KExpr.Var(name, DType.I64); }

    static KExpr i64(long v) { return KExpr.i64(v); }

    static KExpr dim(Dim d) { return KernelLowering.dimExpr(d); }

    static KExpr add(KExpr a, KExpr b) {
        if (b instanceof KExpr.Const c && c.value() == 0) return a;
        if (a instanceof KExpr.Const c && c.value() == 0) return b;
        return KExpr.binary(ScalarOp.ADD, a, b);
    }

    static KExpr sub(KExpr a, KExpr b) {
        if (b instanceof KExpr.Const c && c.value() == 0) return a;
        return KExpr.binary(ScalarOp.SUB, a, b);
    }

    static KExpr mul(KExpr a, KExpr b) {
        if (b instanceof KExpr.Const c && c.value() == 1) return a;
        if (a instanceof KExpr.Const c && c.value() == 1) return b;
        return KExpr.binary(ScalarOp.MUL, a, b);
    }

    static KExpr bin(ScalarOp op, KExpr a, KExpr b) { return KExpr.binary(op, a, b); }

    static KExpr f(double v, DType t) { return new KExpr.Const(v, t); }

    /** {@code min(max(i, 0), n - 1)}: an index that cannot leave [0, n) when n >= 1. */
    static KExpr clamp(KExpr i, KExpr n) {
        return bin(ScalarOp.MIN, bin(ScalarOp.MAX, i, i64(0)), sub(n, i64(1)));
    }

    static KExpr load(Kernel.Buffer b, List<KExpr> index) { return new KExpr.Load(b.name(), index, b.dtype()); }

    static KStmt store(Kernel.Buffer b, List<KExpr> index, KExpr v) { return new KStmt.Store(b.name(), index, v); }

    static KStmt local(String name, KExpr init) { return new KStmt.Local(name, init.type(), init); }

    static KExpr var(String name, DType t) { return new KExpr.Var(name, t); }

    static KStmt assign(String name, KExpr v) { return new KStmt.Assign(name, v); }

    static KStmt loop(String var, KExpr hi, List<KStmt> body) {
        return new KStmt.Loop(var, i64(0), hi, KStmt.LoopKind.SERIAL, 0, body);
    }

    /**
     * Loops {@code vars[i] in 0 .. extents[i]} around {@code body}, outermost first; the outermost
     * is PARALLEL when {@code parallel}, so that the runtime splits it across threads.
     */
    static List<KStmt> nest(List<String> vars, List<Dim> extents, boolean parallel, List<KStmt> body) {
        for (int a = vars.size() - 1; a >= 0; a--) {
            KStmt.LoopKind kind = a == 0 && parallel ? KStmt.LoopKind.PARALLEL : KStmt.LoopKind.SERIAL;
            body = List.of(new KStmt.Loop(vars.get(a), i64(0), dim(extents.get(a)), kind, 0, body));
        }
        return body;
    }

    /** Index variable names {@code prefix0, prefix1, ...}. */
    static List<String> names(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(prefix + i);
        return out;
    }

    static List<KExpr> vars(List<String> names) {
        List<KExpr> out = new ArrayList<>();
        for (String n : names) out.add(idx(n));
        return out;
    }

    static Kernel.Buffer in(String name, DType t, List<Dim> shape) { return new Kernel.Buffer(name, t, shape, Kernel.Access.IN); }

    static Kernel.Buffer out(String name, DType t, List<Dim> shape) { return new Kernel.Buffer(name, t, shape, Kernel.Access.OUT); }

    /** A kernel over the given buffers whose sizes are the symbols of their shapes and of its loop bounds and indices. */
    static Kernel kernel(String name, List<Kernel.Buffer> buffers, List<KStmt> body) {
        Set<String> sizes = new LinkedHashSet<>();
        for (Kernel.Buffer b : buffers) for (Dim d : b.shape()) sizes.addAll(d.symbols());
        for (KStmt s : body) sizes(s, sizes);
        return new Kernel(name, buffers, new ArrayList<>(sizes), body);
    }

    private static void sizes(KStmt s, Set<String> out) {
        switch (s) {
            case KStmt.Loop l -> {
                sizes(l.lo(), out);
                sizes(l.hi(), out);
                for (KStmt x : l.body()) sizes(x, out);
            }
            case KStmt.Local l -> sizes(l.init(), out);
            case KStmt.Assign a -> sizes(a.value(), out);
            case KStmt.Store st -> {
                for (KExpr i : st.index()) sizes(i, out);
                sizes(st.value(), out);
            }
        }
    }

    private static void sizes(KExpr e, Set<String> out) {
        switch (e) {
            case KExpr.Size s -> out.add(s.name());
            case KExpr.Load l -> { for (KExpr i : l.index()) sizes(i, out); }
            case KExpr.Unary u -> sizes(u.x(), out);
            case KExpr.Binary b -> {
                sizes(b.a(), out);
                sizes(b.b(), out);
            }
            case KExpr.Select s -> {
                sizes(s.cond(), out);
                sizes(s.a(), out);
                sizes(s.b(), out);
            }
            case KExpr.Cast c -> sizes(c.x(), out);
            case KExpr.Const c -> {}
            case KExpr.Var v -> {}
        }
    }
}
