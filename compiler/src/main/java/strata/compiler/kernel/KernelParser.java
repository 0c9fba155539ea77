package strata.compiler.kernel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.kernel.KStmt.LoopKind;
import strata.compiler.text.TextCursor;

/**
 * Reads the textual form that {@link KernelPrinter} writes. Types are recovered from
 * declarations: loop variables and sizes are i64, locals have their declared type, loads their
 * buffer's dtype, literals i64 or f32 unless written {@code 3 : i32}. The parser checks only what
 * it needs to build typed records (every {@code %name} read is declared and in scope, every
 * loaded buffer exists); everything else, from undeclared sizes to stores into inputs, is left to
 * {@link KernelVerifier}, so that malformed kernels can be written down and tested. Comments run
 * from {@code //} to the end of the line. Every failure is a {@link KernelSyntaxError}.
 */
public final class KernelParser extends TextCursor {
    private static final Set<String> RESERVED = Set.of("true", "false", "inf", "nan", "select", "cast");

    private Map<String, Kernel.Buffer> buffers = Map.of();
    private final Deque<Map<String, DType>> scopes = new ArrayDeque<>();

    private KernelParser(String src) {
        super(src);
    }

    /** Parses text holding exactly one kernel. */
    public static Kernel parse(String text) {
        List<Kernel> ks = parseAll(text);
        if (ks.size() != 1) throw new KernelSyntaxError(1, 1, "expected exactly one kernel, found " + ks.size());
        return ks.getFirst();
    }

    /** Parses every kernel in the text. */
    public static List<Kernel> parseAll(String text) {
        KernelParser p = new KernelParser(text);
        List<Kernel> out = new ArrayList<>();
        while (p.skip() < p.src.length()) out.add(p.kernel());
        return out;
    }

    private Kernel kernel() {
        keyword("kernel");
        expect('@');
        String name = kernelName();
        expect('(');
        Map<String, Kernel.Buffer> bufs = new LinkedHashMap<>();
        if (peek() != ')')
            do {
                int at = skip();
                Kernel.Buffer b = buffer();
                if (bufs.put(b.name(), b) != null) throw error(at, "buffer %" + b.name() + " is declared twice");
            } while (accept(','));
        expect(')');
        List<String> sizes = new ArrayList<>();
        if (atKeyword("sizes")) {
            keyword("sizes");
            expect('(');
            if (peek() != ')')
                do {
                    int at = skip();
                    String s = word("a size name");
                    if (RESERVED.contains(s)) throw error(at, "`" + s + "` is a reserved word, not a size name");
                    if (sizes.contains(s)) throw error(at, "size `" + s + "` is declared twice");
                    sizes.add(s);
                } while (accept(','));
            expect(')');
        }
        buffers = bufs;
        expect('{');
        List<KStmt> body = block(new HashMap<>());
        return new Kernel(name, List.copyOf(bufs.values()), sizes, body);
    }

    /** {@code %x: f32[N, 768] in}. */
    private Kernel.Buffer buffer() {
        String name = valueName();
        expect(':');
        DType dt = dtype();
        expect('[');
        List<Dim> shape = new ArrayList<>();
        if (peek() != ']')
            do {
                int from = skip();
                int end = from;
                while (end < src.length() && ",]\n(){}".indexOf(src.charAt(end)) < 0) end++;
                String text = src.substring(from, end).strip();
                try {
                    shape.add(Dim.parse(text));
                } catch (IllegalArgumentException | ArithmeticException e) {
                    throw error(from, "malformed dimension `" + text + "`");
                }
                pos = end;
            } while (accept(','));
        expect(']');
        int at = skip();
        String access = word("an access (in, out or inout)");
        return switch (access) {
            case "in" -> new Kernel.Buffer(name, dt, shape, Kernel.Access.IN);
            case "out" -> new Kernel.Buffer(name, dt, shape, Kernel.Access.OUT);
            case "inout" -> new Kernel.Buffer(name, dt, shape, Kernel.Access.INOUT);
            default -> throw error(at, "expected an access (in, out or inout), found `" + access + "`");
        };
    }

    /** Statements up to and including the closing brace, with {@code declared} as their scope. */
    private List<KStmt> block(Map<String, DType> declared) {
        scopes.push(declared);
        List<KStmt> body = new ArrayList<>();
        while (peek() != '}') {
            if (pos >= src.length()) throw error(pos, "expected `}`, found the end of the text");
            body.add(statement());
        }
        pos++;
        scopes.pop();
        return body;
    }

    private KStmt statement() {
        int at = skip();
        if (atKeyword("store")) {
            keyword("store");
            String name = valueName();
            List<KExpr> index = index();
            expect('=');
            return new KStmt.Store(name, index, expr());
        }
        if (atKeyword("local")) {
            keyword("local");
            String name = valueName();
            expect(':');
            DType t = dtype();
            expect('=');
            KExpr init = expr();
            scopes.element().put(name, t);
            return new KStmt.Local(name, t, init);
        }
        if (peek() == '%') {
            String name = valueName();
            expect('=');
            return new KStmt.Assign(name, expr());
        }
        LoopKind kind = LoopKind.SERIAL;
        int width = 0;
        if (atKeyword("parallel") || atKeyword("serial")) kind = word("a loop kind").equals("parallel") ? LoopKind.PARALLEL : LoopKind.SERIAL;
        else if (atKeyword("vector") || atKeyword("unroll")) {
            kind = word("a loop kind").equals("vector") ? LoopKind.VECTOR : LoopKind.UNROLL;
            expect('(');
            width = width();
            expect(')');
        } else if (!atKeyword("for")) throw error(at, "expected a statement (store, local, an assignment or a loop)" + found());
        keyword("for");
        String var = valueName();
        keyword("in");
        KExpr lo = sum();
        int dotsAt = skip();
        if (!src.startsWith("..", pos)) throw error(dotsAt, "expected `..`" + found());
        pos += 2;
        KExpr hi = sum();
        expect('{');
        Map<String, DType> scope = new HashMap<>();
        scope.put(var, DType.I64);
        return new KStmt.Loop(var, lo, hi, kind, width, block(scope));
    }

    private int width() {
        int at = skip();
        if (!(number() instanceof KExpr.Const c) || c.type() != DType.I64 || Math.abs(c.value()) > Integer.MAX_VALUE)
            throw error(at, "expected a width such as 4");
        return (int) c.value();
    }

    private List<KExpr> index() {
        expect('[');
        List<KExpr> xs = new ArrayList<>();
        if (peek() != ']')
            do xs.add(expr()); while (accept(','));
        expect(']');
        return xs;
    }

    // Loop bounds: sum := product (('+' | '-') product)*, product := expr ('*' expr)*.

    private KExpr sum() {
        KExpr e = product();
        while (peek() == '+' || peek() == '-') {
            ScalarOp op = src.charAt(pos++) == '+' ? ScalarOp.ADD : ScalarOp.SUB;
            e = binary(op, e, product());
        }
        return e;
    }

    private KExpr product() {
        KExpr e = expr();
        while (accept('*')) e = binary(ScalarOp.MUL, e, expr());
        return e;
    }

    private KExpr expr() {
        int at = skip();
        char c = peek();
        if (c == '%') {
            String name = valueName();
            if (peek() == '[') {
                Kernel.Buffer b = buffers.get(name);
                if (b == null) throw error(at, "load from unknown buffer %" + name);
                return new KExpr.Load(name, index(), b.dtype());
            }
            for (Map<String, DType> scope : scopes) {
                DType t = scope.get(name);
                if (t != null) return new KExpr.Var(name, t);
            }
            if (buffers.containsKey(name)) throw error(at, "buffer %" + name + " is read with an index, as %" + name + "[...]");
            throw error(at, "use of undefined value %" + name);
        }
        if (c == '-' || Character.isDigit(c)) return typed(number());
        String w = word("an expression");
        switch (w) {
            case "true", "false" -> { return typed(new KExpr.Const(w.equals("true") ? 1 : 0, DType.BOOL)); }
            case "inf" -> { return typed(new KExpr.Const(Double.POSITIVE_INFINITY, DType.F32)); }
            case "nan" -> { return typed(new KExpr.Const(Double.NaN, DType.F32)); }
            case "cast" -> {
                expect('<');
                DType t = dtype();
                expect('>');
                List<KExpr> args = args(1, w, at);
                return new KExpr.Cast(args.getFirst(), t);
            }
            case "select" -> {
                List<KExpr> args = args(3, w, at);
                return new KExpr.Select(args.get(0), args.get(1), args.get(2));
            }
            default -> {}
        }
        if (peek() != '(') return new KExpr.Size(w);
        ScalarOp op;
        try {
            op = ScalarOp.parse(w);
        } catch (IllegalArgumentException e) {
            throw error(at, "unknown scalar op `" + w + "`");
        }
        List<KExpr> args = args(op.arity(), w, at);
        return op.arity() == 1 ? KExpr.unary(op, args.getFirst()) : binary(op, args.get(0), args.get(1));
    }

    private List<KExpr> args(int arity, String op, int at) {
        expect('(');
        List<KExpr> xs = new ArrayList<>();
        if (peek() != ')')
            do xs.add(expr()); while (accept(','));
        expect(')');
        if (xs.size() != arity) throw error(at, "`" + op + "` takes " + arity + " operand" + (arity == 1 ? "" : "s") + ", found " + xs.size());
        return xs;
    }

    /** A binary op typed as {@link KExpr#binary} types it, without its check: the verifier reports mismatches. */
    private static KExpr binary(ScalarOp op, KExpr a, KExpr b) {
        return new KExpr.Binary(op, a, b, op.isComparison() ? DType.BOOL : a.type());
    }

    /** A literal with its written type, {@code 3 : i32}, if one follows. */
    private KExpr typed(KExpr.Const c) {
        return accept(':') ? new KExpr.Const(c.value(), dtype(), c.bits()) : c;
    }

    /** {@code 3}, {@code -2}, {@code 0x1f}, {@code 0.5}, {@code 1.0e-5}, {@code -inf}: i64 without '.' or exponent, else f32. */
    private KExpr.Const number() {
        int at = skip();
        int end = pos;
        if (end < src.length() && src.charAt(end) == '-') end++;
        if (src.startsWith("inf", end) && !identChar(end + 3)) {
            pos = end + 3;
            return new KExpr.Const(end > at ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY, DType.F32);
        }
        if (src.startsWith("0x", end) && end == at) return hex(at);
        int digits = end;
        while (end < src.length() && Character.isDigit(src.charAt(end))) end++;
        if (end == digits) throw error(at, "expected a number" + found());
        boolean isFloat = false;
        if (end + 1 < src.length() && src.charAt(end) == '.' && Character.isDigit(src.charAt(end + 1))) {
            isFloat = true;
            end++;
            while (end < src.length() && Character.isDigit(src.charAt(end))) end++;
        }
        if (end < src.length() && (src.charAt(end) == 'e' || src.charAt(end) == 'E')) {
            isFloat = true;
            end++;
            if (end < src.length() && (src.charAt(end) == '+' || src.charAt(end) == '-')) end++;
            while (end < src.length() && Character.isDigit(src.charAt(end))) end++;
        }
        String text = src.substring(at, end);
        if (identChar(end)) throw error(at, "malformed number `" + text + src.charAt(end) + "`");
        pos = end;
        try {
            return isFloat ? new KExpr.Const(Double.parseDouble(text), DType.F32) : KExpr.Const.ofBits(Long.parseLong(text), DType.I64);
        } catch (NumberFormatException e) {
            throw error(at, isFloat ? "malformed number `" + text + "`" : "integer literal `" + text + "` is out of range");
        }
    }

    /** {@code 0x9e3779b97f4a7c15}: the 64 bits of an i64, up to 16 hex digits (what the printer writes from 2^53 on). */
    private KExpr.Const hex(int at) {
        int end = at + 2;
        while (end < src.length() && Character.digit(src.charAt(end), 16) >= 0) end++;
        String digits = src.substring(at + 2, end);
        if (digits.isEmpty() || identChar(end)) throw error(at, "malformed hex literal `" + src.substring(at, identChar(end) ? end + 1 : end) + "`");
        if (digits.length() > 16) throw error(at, "hex literal `0x" + digits + "` has more than 64 bits");
        pos = end;
        return KExpr.Const.ofBits(Long.parseUnsignedLong(digits, 16), DType.I64);
    }

    private DType dtype() {
        int at = skip();
        String name = word("a type");
        try {
            return DType.parse(name);
        } catch (IllegalArgumentException e) {
            throw error(at, e.getMessage());
        }
    }

    private String valueName() {
        int at = skip();
        if (peek() != '%') throw error(at, "expected a name such as %i" + found());
        pos++;
        if (!identChar(pos)) throw error(at, "expected a name after `%`");
        return scan("", "a name after `%`", false);
    }

    /** A kernel's name: a word that may also hold '.' and '-'. */
    private String kernelName() { return scan("_.-", "a kernel name", false); }

    private String word(String what) { return scan("", what, true); }

    @Override protected KernelSyntaxError error(int line, int column, String reason) {
        return new KernelSyntaxError(line, column, reason);
    }
}
