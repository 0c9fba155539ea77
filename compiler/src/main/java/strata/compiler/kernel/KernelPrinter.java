package strata.compiler.kernel;

import java.util.List;
import strata.compiler.graph.DType;
import strata.compiler.kernel.KExpr.Binary;
import strata.compiler.kernel.KExpr.Const;

/**
 * The textual form of the kernel dialect:
 * <pre>
 * kernel @add_exp(%x: f32[N, 768] in, %out: f32[N, 768] out) sizes(N) {
 *   parallel for %i in 0 .. N {
 *     vector(16) for %j in 0 .. 768 {
 *       store %out[%i, %j] = exp(%x[%i, %j])
 *     }
 *   }
 * }
 * </pre>
 * Scalar ops print as calls ({@code add(mul(%i, 768), %j)}); only loop bounds use infix
 * {@code + - *} on i64, since they read as the extents they are. Types are not printed: the parser
 * recovers them from declarations, and a constant carries {@code : type} only when its literal's
 * default (i64 for integers, f32 for floats) is not its type. {@link KernelParser} reads this form
 * back, and {@code print(parse(print(k))) == print(k)}.
 */
public final class KernelPrinter {
    private final StringBuilder out = new StringBuilder();

    private KernelPrinter() {}

    public static String print(Kernel k) {
        KernelPrinter p = new KernelPrinter();
        p.kernel(k);
        return p.out.toString();
    }

    /** Several kernels, separated by a blank line. */
    public static String print(List<Kernel> kernels) {
        StringBuilder sb = new StringBuilder();
        for (Kernel k : kernels) sb.append(sb.isEmpty() ? "" : "\n").append(print(k));
        return sb.toString();
    }

    /** One expression, as it appears in a statement. */
    public static String expr(KExpr e) {
        KernelPrinter p = new KernelPrinter();
        p.expression(e);
        return p.out.toString();
    }

    /** The first line of a statement, a loop's body elided, for diagnostics. */
    public static String statementLine(KStmt s) {
        KernelPrinter p = new KernelPrinter();
        if (s instanceof KStmt.Loop l) p.loopHead(l).append(" {...}");
        else p.statement(s, "");
        return p.out.toString().strip();
    }

    /** {@code %x: f32[N, 768] in}: a buffer as its kernel's header declares it. */
    public static String buffer(Kernel.Buffer b) {
        return "%" + b.name() + ": " + b.dtype() + b.shape() + " " + b.access().name().toLowerCase();
    }

    private void kernel(Kernel k) {
        out.append("kernel @").append(k.name()).append('(');
        for (int i = 0; i < k.buffers().size(); i++) out.append(i == 0 ? "" : ", ").append(buffer(k.buffers().get(i)));
        out.append(')');
        if (!k.sizes().isEmpty()) out.append(" sizes(").append(String.join(", ", k.sizes())).append(')');
        out.append(" {\n");
        for (KStmt s : k.body()) statement(s, "  ");
        out.append("}\n");
    }

    private void statement(KStmt s, String indent) {
        out.append(indent);
        switch (s) {
            case KStmt.Loop l -> {
                loopHead(l).append(" {\n");
                for (KStmt b : l.body()) statement(b, indent + "  ");
                out.append(indent).append('}');
            }
            case KStmt.Local l -> {
                out.append("local %").append(l.name()).append(": ").append(l.type()).append(" = ");
                expression(l.init());
            }
            case KStmt.Assign a -> {
                out.append('%').append(a.name()).append(" = ");
                expression(a.value());
            }
            case KStmt.Store st -> {
                out.append("store %").append(st.buffer());
                index(st.index());
                out.append(" = ");
                expression(st.value());
            }
        }
        out.append('\n');
    }

    private StringBuilder loopHead(KStmt.Loop l) {
        switch (l.kind()) {
            case SERIAL -> {}
            case PARALLEL -> out.append("parallel ");
            case VECTOR -> out.append("vector(").append(l.width()).append(") ");
            case UNROLL -> out.append("unroll(").append(l.width()).append(") ");
        }
        out.append("for %").append(l.var()).append(" in ");
        sum(l.lo());
        out.append(" .. ");
        sum(l.hi());
        return out;
    }

    private void index(List<KExpr> index) {
        out.append('[');
        for (int i = 0; i < index.size(); i++) {
            if (i > 0) out.append(", ");
            expression(index.get(i));
        }
        out.append(']');
    }

    private void expression(KExpr e) {
        switch (e) {
            case Const c -> out.append(constant(c));
            case KExpr.Var v -> out.append('%').append(v.name());
            case KExpr.Size s -> out.append(s.name());
            case KExpr.Load l -> {
                out.append('%').append(l.buffer());
                index(l.index());
            }
            case KExpr.Unary u -> call(u.op().mnemonic(), u.x());
            case Binary b -> call(b.op().mnemonic(), b.a(), b.b());
            case KExpr.Select s -> call("select", s.cond(), s.a(), s.b());
            case KExpr.Cast c -> call("cast<" + c.type() + ">", c.x());
        }
    }

    private void call(String name, KExpr... args) {
        out.append(name).append('(');
        for (int i = 0; i < args.length; i++) {
            if (i > 0) out.append(", ");
            expression(args[i]);
        }
        out.append(')');
    }

    // Loop bounds: sum := product (('+' | '-') product)*, product := atom ('*' atom)*. A sum in a
    // product's place, or a product in an atom's place, falls back to the call form, which is an atom.

    private void sum(KExpr e) {
        if (infix(e) instanceof Binary b && b.op() != ScalarOp.MUL) {
            sum(b.a());
            out.append(b.op() == ScalarOp.ADD ? " + " : " - ");
            product(b.b());
        } else product(e);
    }

    private void product(KExpr e) {
        if (infix(e) instanceof Binary b && b.op() == ScalarOp.MUL) {
            product(b.a());
            out.append(" * ");
            expression(b.b());
        } else expression(e);
    }

    /** {@code e} when it prints infix in a bound: i64 add, sub or mul of i64 operands; else null. */
    private static Binary infix(KExpr e) {
        if (!(e instanceof Binary b) || b.type() != DType.I64 || b.a().type() != DType.I64 || b.b().type() != DType.I64) return null;
        return b.op() == ScalarOp.ADD || b.op() == ScalarOp.SUB || b.op() == ScalarOp.MUL ? b : null;
    }

    /**
     * {@code 3}, {@code 1.0e-5}, {@code -inf}, {@code true}, {@code 3 : i32}: integers for integral
     * values of integer types (in hex, as their 64 bits, from 2^53 on: {@code 0x9e3779b97f4a7c15}), floats (always with '.', an exponent or a name) otherwise, and the
     * type when the literal's default would differ.
     */
    public static String constant(Const c) {
        double v = c.value();
        DType t = c.type();
        if (t == DType.BOOL && (v == 0 || v == 1)) return v == 1 ? "true" : "false";
        boolean integral = v == Math.rint(v) && !Double.isInfinite(v) && Math.abs(v) < 0x1p63 && !(v == 0 && 1 / v < 0);
        if (t.isInteger() && integral) {
            // beyond 2^53 only the bits are exact, and they read best in hex: the constants of hash functions
            long bits = c.bits();
            String n = Math.abs(v) < 0x1p53 ? Long.toString(bits) : "0x" + Long.toHexString(bits);
            return n + (t == DType.I64 ? "" : " : " + t);
        }
        String f = Double.isNaN(v) ? "nan" : v == Double.POSITIVE_INFINITY ? "inf" : v == Double.NEGATIVE_INFINITY ? "-inf"
                : Double.toString(v).replace('E', 'e');
        return f + (t == DType.F32 ? "" : " : " + t);
    }
}
