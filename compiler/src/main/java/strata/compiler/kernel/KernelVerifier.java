package strata.compiler.kernel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.kernel.KStmt.LoopKind;

/**
 * Checks the invariants the kernel passes and both lowerings rely on: names are declared before
 * use and used only in scope (a loop variable inside its loop, a local after its declaration in its
 * block), never declared twice where visible; loads read IN/INOUT buffers and stores write
 * OUT/INOUT ones, with one i64 index per axis; operands agree in type as {@link KExpr#binary}
 * requires, with logic on bool, transcendental functions on floats and bit ops on integers; a store writes its buffer's
 * dtype; at most one PARALLEL loop, as an outermost statement; vector widths are powers of two and
 * unroll factors positive; sizes used anywhere are declared. Returns diagnostics, one string per
 * problem naming the statement, rather than stopping at the first.
 */
public final class KernelVerifier {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]+");
    private static final Pattern SIZE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<String> RESERVED = Set.of("true", "false", "inf", "nan", "select", "cast");
    private static final Set<ScalarOp> FLOAT_ONLY = EnumSet.of(ScalarOp.EXP, ScalarOp.LOG, ScalarOp.SQRT, ScalarOp.RSQRT,
            ScalarOp.TANH, ScalarOp.SIN, ScalarOp.COS, ScalarOp.ERF, ScalarOp.SIGMOID, ScalarOp.RECIP, ScalarOp.POW);
    private static final Set<ScalarOp> BOOL_ONLY = EnumSet.of(ScalarOp.NOT, ScalarOp.AND, ScalarOp.OR);

    /** What a name in scope stands for: a loop variable (i64, read-only) or a local of a type. */
    private record Decl(DType type, boolean isLocal) {}

    private final Kernel kernel;
    private final List<String> diagnostics = new ArrayList<>();
    private final Deque<Map<String, Decl>> scopes = new ArrayDeque<>();
    private int parallelLoops;

    private KernelVerifier(Kernel kernel) {
        this.kernel = kernel;
    }

    /** Every problem found in {@code k}; empty when it is well formed. */
    public static List<String> verify(Kernel k) {
        KernelVerifier v = new KernelVerifier(k);
        v.header();
        v.block(k.body(), new HashMap<>(), true);
        return v.diagnostics;
    }

    private void header() {
        String where = "kernel @" + kernel.name();
        Set<String> seen = new HashSet<>();
        for (String s : kernel.sizes()) {
            if (!SIZE.matcher(s).matches() || RESERVED.contains(s)) report(where, "`" + s + "` is not a valid size name");
            if (!seen.add(s)) report(where, "size `" + s + "` is declared twice");
        }
        Set<String> names = new HashSet<>();
        for (Kernel.Buffer b : kernel.buffers()) {
            if (!NAME.matcher(b.name()).matches()) report(where, "`" + b.name() + "` is not a valid buffer name");
            if (!names.add(b.name())) report(where, "buffer %" + b.name() + " is declared twice");
            for (Dim d : b.shape())
                for (String s : d.symbols())
                    if (!kernel.sizes().contains(s)) report(where, "buffer %" + b.name() + " has undeclared size `" + s + "` in its shape");
        }
    }

    private void block(List<KStmt> body, Map<String, Decl> scope, boolean outermost) {
        scopes.push(scope);
        for (KStmt s : body) statement(s, outermost);
        scopes.pop();
    }

    private void statement(KStmt s, boolean outermost) {
        String where = KernelPrinter.statementLine(s);
        switch (s) {
            case KStmt.Loop l -> {
                expr(l.lo(), where);
                expr(l.hi(), where);
                if (l.lo().type() != DType.I64 || l.hi().type() != DType.I64) report(where, "loop bounds must be i64");
                loopKind(l, outermost, where);
                declarable(l.var(), where);
                Map<String, Decl> scope = new HashMap<>();
                scope.put(l.var(), new Decl(DType.I64, false));
                block(l.body(), scope, false);
            }
            case KStmt.Local l -> {
                expr(l.init(), where);
                if (l.init().type() != l.type()) report(where, "local %" + l.name() + " is " + l.type() + " but its initial value is " + l.init().type());
                declarable(l.name(), where);
                scopes.element().put(l.name(), new Decl(l.type(), true));
            }
            case KStmt.Assign a -> {
                expr(a.value(), where);
                Decl d = lookup(a.name());
                if (d == null) report(where, "assignment to %" + a.name() + ", which is not a declared local in scope");
                else if (!d.isLocal()) report(where, "assignment to loop variable %" + a.name());
                else if (d.type() != a.value().type()) report(where, "local %" + a.name() + " is " + d.type() + " but is assigned " + a.value().type());
            }
            case KStmt.Store st -> {
                Kernel.Buffer b = access(st.buffer(), st.index(), Kernel.Access.IN, "store to", where);
                expr(st.value(), where);
                if (b != null && b.dtype() != st.value().type())
                    report(where, "stores " + st.value().type() + " into %" + b.name() + " of " + b.dtype());
            }
        }
    }

    private void loopKind(KStmt.Loop l, boolean outermost, String where) {
        switch (l.kind()) {
            case PARALLEL -> {
                if (!outermost) report(where, "a parallel loop must be an outermost statement of the kernel");
                else if (++parallelLoops > 1) report(where, "a kernel has at most one parallel loop");
            }
            case VECTOR -> {
                if (l.width() <= 0 || Integer.bitCount(l.width()) != 1) report(where, "vector width " + l.width() + " is not a positive power of two");
            }
            case UNROLL -> {
                if (l.width() <= 0) report(where, "unroll factor " + l.width() + " is not positive");
            }
            case SERIAL -> {}
        }
        if ((l.kind() == LoopKind.SERIAL || l.kind() == LoopKind.PARALLEL) && l.width() != 0)
            report(where, "a " + l.kind().name().toLowerCase() + " loop has no width, found " + l.width());
    }

    /** Reports a name that is malformed, names a buffer or is already visible (no shadowing). */
    private void declarable(String name, String where) {
        if (!NAME.matcher(name).matches()) report(where, "`" + name + "` is not a valid name");
        if (lookup(name) != null) report(where, "redeclaration of %" + name + ", which is already in scope");
        else if (kernel.buffers().stream().anyMatch(b -> b.name().equals(name))) report(where, "%" + name + " is declared as a buffer");
    }

    /** The buffer if it exists and {@code forbidden} is not its access; checks the index either way. */
    private Kernel.Buffer access(String name, List<KExpr> index, Kernel.Access forbidden, String verb, String where) {
        for (KExpr i : index) {
            expr(i, where);
            if (i.type() != DType.I64) report(where, "index `" + KernelPrinter.expr(i) + "` of %" + name + " is " + i.type() + ", not i64");
        }
        Kernel.Buffer b = kernel.buffers().stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
        if (b == null) {
            report(where, verb + " unknown buffer %" + name);
            return null;
        }
        if (b.access() == forbidden) report(where, verb + " %" + name + ", an " + forbidden.name().toLowerCase() + " buffer");
        if (index.size() != b.shape().size())
            report(where, "%" + name + " has rank " + b.shape().size() + " but is indexed with " + index.size() + " indices");
        return b;
    }

    private void expr(KExpr e, String where) {
        switch (e) {
            case KExpr.Const c -> {
                double v = c.value();
                if (c.type() == DType.BOOL && v != 0 && v != 1) report(where, "bool constant " + v + " is neither true nor false");
                if (c.type().isInteger() && v != Math.rint(v)) report(where, c.type() + " constant " + v + " is not an integer");
                else if (c.type().isInteger() && v != (double) c.bits())
                    report(where, c.type() + " constant " + v + " disagrees with its bits 0x" + Long.toHexString(c.bits()));
                if (c.type() == DType.I32 && c.bits() != (int) c.bits()) report(where, "i32 constant " + c.bits() + " is out of range");
            }
            case KExpr.Var v -> {
                Decl d = lookup(v.name());
                if (d == null) report(where, "use of %" + v.name() + ", which is not declared in scope");
                else if (d.type() != v.type()) report(where, "%" + v.name() + " is read as " + v.type() + " but declared " + d.type());
            }
            case KExpr.Size s -> {
                if (!kernel.sizes().contains(s.name())) report(where, "size `" + s.name() + "` is not declared in sizes(...)");
            }
            case KExpr.Load l -> {
                Kernel.Buffer b = access(l.buffer(), l.index(), Kernel.Access.OUT, "load from", where);
                if (b != null && b.dtype() != l.type()) report(where, "load of %" + b.name() + " is typed " + l.type() + ", not " + b.dtype());
            }
            case KExpr.Unary u -> {
                expr(u.x(), where);
                operands(u.op(), 1, u.x().type(), e, where);
                DType want = u.x().type();
                if (u.type() != want) report(where, "`" + KernelPrinter.expr(e) + "` is typed " + u.type() + ", not " + want);
            }
            case KExpr.Binary b -> {
                expr(b.a(), where);
                expr(b.b(), where);
                if (b.a().type() != b.b().type())
                    report(where, b.op().mnemonic() + " of " + b.a().type() + " and " + b.b().type() + " in `" + KernelPrinter.expr(e) + "`");
                else operands(b.op(), 2, b.a().type(), e, where);
                DType want = b.op().isComparison() ? DType.BOOL : b.a().type();
                if (b.type() != want) report(where, "`" + KernelPrinter.expr(e) + "` is typed " + b.type() + ", not " + want);
            }
            case KExpr.Select s -> {
                expr(s.cond(), where);
                expr(s.a(), where);
                expr(s.b(), where);
                if (s.cond().type() != DType.BOOL) report(where, "select's condition is " + s.cond().type() + ", not bool, in `" + KernelPrinter.expr(e) + "`");
                if (s.a().type() != s.b().type())
                    report(where, "select of " + s.a().type() + " and " + s.b().type() + " in `" + KernelPrinter.expr(e) + "`");
            }
            case KExpr.Cast c -> expr(c.x(), where);
        }
    }

    /** The op's arity and operand domain: logic on bool, transcendentals on floats, bit ops on integers, arithmetic not on bool. */
    private void operands(ScalarOp op, int arity, DType t, KExpr e, String where) {
        String at = " in `" + KernelPrinter.expr(e) + "`";
        if (op.arity() != arity) report(where, op.mnemonic() + " takes " + op.arity() + " operands" + at);
        else if (BOOL_ONLY.contains(op) && t != DType.BOOL) report(where, op.mnemonic() + " needs bool operands, not " + t + at);
        else if (FLOAT_ONLY.contains(op) && !t.isFloat()) report(where, op.mnemonic() + " needs float operands, not " + t + at);
        else if (op.isBitwise() && !t.isInteger()) report(where, op.mnemonic() + " needs integer operands, not " + t + at);
        else if (!BOOL_ONLY.contains(op) && !op.isComparison() && t == DType.BOOL) report(where, op.mnemonic() + " does not apply to bool" + at);
    }

    private Decl lookup(String name) {
        for (Map<String, Decl> scope : scopes) {
            Decl d = scope.get(name);
            if (d != null) return d;
        }
        return null;
    }

    private void report(String where, String message) {
        diagnostics.add("`" + where + "`: " + message);
    }
}
