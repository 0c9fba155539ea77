package strata.compiler.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import strata.compiler.text.TextCursor;

/**
 * Reads the textual form that {@link GraphPrinter} writes. Value names may be any
 * {@code %[A-Za-z0-9_.]+} (hand-written tests use {@code %x}); values are numbered afresh in order
 * of definition. Every op's type is re-derived with {@link ShapeRules#infer}; a written type that
 * differs is an error, and {@code ?} may stand for a type that follows from the operands.
 * Comments run from {@code //} to the end of the line. Every failure is an {@link IrSyntaxError}
 * with a line and column.
 */
public final class GraphParser extends TextCursor {
    private final boolean checkTypes;
    private int nextId;
    private List<String> symbols = List.of();
    private final Deque<Map<String, Value>> scopes = new ArrayDeque<>();

    private GraphParser(String src, boolean checkTypes) {
        super(src);
        this.checkTypes = checkTypes;
    }

    /** Parses text holding exactly one graph. */
    public static Graph parse(String text) {
        List<Graph> gs = parseAll(text);
        if (gs.size() != 1) throw new IrSyntaxError(1, 1, "expected exactly one graph, found " + gs.size());
        return gs.getFirst();
    }

    /** Parses every graph in the text, checking each written type against the inferred one. */
    public static List<Graph> parseAll(String text) { return new GraphParser(text, true).graphs(); }

    /**
     * Parses keeping written types even where they disagree with the inferred ones (stale types
     * after a rewrite, for testing {@code ShapeInference}); {@code ?} types are still inferred.
     */
    public static List<Graph> parseAllTrustingTypes(String text) { return new GraphParser(text, false).graphs(); }

    private List<Graph> graphs() {
        List<Graph> out = new ArrayList<>();
        while (skip() < src.length()) out.add(graph());
        return out;
    }

    private Graph graph() {
        keyword("graph");
        expect('@');
        String name = graphName();
        expect('(');
        List<String> syms = new ArrayList<>();
        if (skip() < src.length() && src.charAt(pos) != ')')
            do {
                int at = pos;
                String s = word("a dimension symbol");
                if (syms.contains(s)) throw error(at, "dimension symbol `" + s + "` is declared twice");
                syms.add(s);
            } while (accept(','));
        expect(')');
        symbols = syms;
        nextId = 0;
        scopes.clear();
        scopes.push(new HashMap<>());
        expect('{');
        List<Op> ops = ops();
        keyword("return");
        List<Value> outputs = new ArrayList<>();
        if (peek() == '%')
            do outputs.add(use()); while (accept(','));
        expect('}');
        return new Graph(name, syms, ops, outputs);
    }

    /** Ops up to the next terminator ({@code return} or {@code yield}). */
    private List<Op> ops() {
        List<Op> ops = new ArrayList<>();
        while (peek() == '%') ops.add(op());
        return ops;
    }

    private Op op() {
        int start = skip();
        String name = valueName();
        expect('=');
        int kindAt = skip();
        String mnemonic = word("an op name");
        OpKind kind;
        try {
            kind = OpKind.parse(mnemonic);
        } catch (IllegalArgumentException e) {
            throw error(kindAt, "unknown op `" + mnemonic + "`");
        }
        List<Value> operands = new ArrayList<>();
        if (peek() == '%')
            do operands.add(use()); while (accept(','));
        Map<String, Attr> attrs = peek() == '{' ? attrs() : Map.of();
        expect(':');
        int typeAt = skip();
        TensorType written = typeOrHole();
        TensorType type = resultType(kind, operands, attrs, written, kindAt, typeAt);
        Value result = new Value(nextId++, type);
        List<Region> regions = new ArrayList<>();
        while (Character.isLetter(peek()) && !atKeyword("return") && !atKeyword("yield")) regions.add(region());
        define(name, result, start);
        return new Op(result, kind, operands, attrs, regions);
    }

    private TensorType resultType(OpKind kind, List<Value> operands, Map<String, Attr> attrs, TensorType written, int kindAt, int typeAt) {
        if (written == null && kind.declaresType()) throw error(typeAt, "`" + kind.mnemonic() + "` needs its result type written out, not `?`");
        List<TensorType> in = new ArrayList<>();
        for (Value v : operands) in.add(v.type());
        TensorType inferred;
        try {
            inferred = ShapeRules.infer(kind, in, attrs, kind.declaresType() ? written : null);
        } catch (ShapeError e) {
            if (!checkTypes && written != null) return written;
            throw error(kindAt, e.getMessage());
        } catch (RuntimeException e) {
            throw error(kindAt, "malformed `" + kind.mnemonic() + "`: " + e.getMessage());
        }
        if (written == null || !checkTypes) return written == null ? inferred : written;
        if (!written.equals(inferred))
            throw error(typeAt, "type mismatch: `" + kind.mnemonic() + "` yields " + inferred + " but " + written + " is written");
        return written;
    }

    private Region region() {
        String role = word("a region role");
        expect('(');
        scopes.push(new HashMap<>());
        List<Value> args = new ArrayList<>();
        if (peek() != ')')
            do {
                int at = skip();
                String name = valueName();
                expect(':');
                int typeAt = skip();
                TensorType t = typeOrHole();
                if (t == null) throw error(typeAt, "a region argument needs its type written out");
                Value v = new Value(nextId++, t);
                define(name, v, at);
                args.add(v);
            } while (accept(','));
        expect(')');
        expect('{');
        List<Op> ops = ops();
        keyword("yield");
        Value y = use();
        expect('}');
        scopes.pop();
        return new Region(role, args, ops, y);
    }

    private Map<String, Attr> attrs() {
        expect('{');
        Map<String, Attr> attrs = new TreeMap<>();
        if (peek() != '}')
            do {
                int at = skip();
                String key = word("an attribute name");
                expect('=');
                if (attrs.put(key, attr()) != null) throw error(at, "attribute `" + key + "` is given twice");
            } while (accept(','));
        expect('}');
        return attrs;
    }

    private Attr attr() {
        int at = skip();
        char c = peek();
        if (c == '"') return new Attr.Str(string());
        if (c == '[') {
            pos++;
            List<Long> xs = new ArrayList<>();
            if (peek() != ']')
                do {
                    if (!(number() instanceof Attr.Int i)) throw error(at, "an integer list holds only integers");
                    xs.add(i.value());
                } while (accept(','));
            expect(']');
            return new Attr.Ints(xs);
        }
        if (c == '#') {
            if (!src.startsWith("#dim<", pos)) throw error(at, "expected `#dim<...>`");
            int close = src.indexOf('>', pos);
            if (close < 0) throw error(at, "unterminated `#dim<`");
            Dim d = dim(src.substring(pos + 5, close), pos + 5);
            pos = close + 1;
            return new Attr.DimAttr(d);
        }
        if (c == '-' || Character.isDigit(c)) return number();
        String w = word("an attribute value");
        return switch (w) {
            case "true" -> new Attr.Bool(true);
            case "false" -> new Attr.Bool(false);
            case "inf" -> new Attr.Float(Double.POSITIVE_INFINITY);
            case "nan" -> new Attr.Float(Double.NaN);
            default -> throw error(at, "expected an attribute value, found `" + w + "`");
        };
    }

    private Attr number() {
        int at = skip();
        int end = pos;
        if (end < src.length() && src.charAt(end) == '-') end++;
        if (src.startsWith("inf", end)) {
            pos = end + 3;
            return new Attr.Float(end > at ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
        }
        while (end < src.length() && (Character.isLetterOrDigit(src.charAt(end)) || src.charAt(end) == '.'
                || ((src.charAt(end) == '-' || src.charAt(end) == '+') && (src.charAt(end - 1) == 'e' || src.charAt(end - 1) == 'E'))))
            end++;
        String text = src.substring(at, end);
        pos = end;
        try {
            if (text.contains(".") || text.contains("e") || text.contains("E")) return new Attr.Float(Double.parseDouble(text));
            return new Attr.Int(Long.parseLong(text));
        } catch (NumberFormatException e) {
            throw error(at, "malformed number `" + text + "`");
        }
    }

    private String string() {
        int at = pos;
        pos++;
        StringBuilder sb = new StringBuilder();
        while (pos < src.length() && src.charAt(pos) != '"') {
            char c = src.charAt(pos++);
            if (c == '\n') break;
            if (c == '\\' && pos < src.length()) {
                char e = src.charAt(pos++);
                sb.append(e == 'n' ? '\n' : e);
            } else sb.append(c);
        }
        if (pos >= src.length() || src.charAt(pos) != '"') throw error(at, "unterminated string");
        pos++;
        return sb.toString();
    }

    /** A tensor type such as {@code f32[B, T - 1]}, or null for {@code ?}. */
    private TensorType typeOrHole() {
        if (accept('?')) return null;
        int at = skip();
        String name = word("a type");
        DType dt;
        try {
            dt = DType.parse(name);
        } catch (IllegalArgumentException e) {
            throw error(at, e.getMessage());
        }
        expect('[');
        List<Dim> shape = new ArrayList<>();
        if (peek() != ']')
            do {
                int from = skip();
                int end = from;
                while (end < src.length() && ",]\n{}".indexOf(src.charAt(end)) < 0) end++;
                shape.add(dim(src.substring(from, end).strip(), from));
                pos = end;
            } while (accept(','));
        expect(']');
        return new TensorType(dt, shape);
    }

    private Dim dim(String text, int at) {
        Dim d;
        try {
            d = Dim.parse(text);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw error(at, "malformed dimension `" + text + "`");
        }
        for (String s : d.symbols())
            if (!symbols.contains(s)) throw error(at, "undeclared dimension symbol `" + s + "` (declare it in the graph's header)");
        return d;
    }

    private Value use() {
        int at = skip();
        String name = valueName();
        for (Map<String, Value> scope : scopes) {
            Value v = scope.get(name);
            if (v != null) return v;
        }
        throw error(at, "use of undefined value %" + name);
    }

    private void define(String name, Value v, int at) {
        for (Map<String, Value> scope : scopes)
            if (scope.containsKey(name)) throw error(at, "redefinition of value %" + name);
        scopes.peek().put(name, v);
    }

    private String valueName() {
        int at = skip();
        if (peek() != '%') throw error(at, "expected a value such as %0");
        pos++;
        if (!identChar(pos) && (pos >= src.length() || src.charAt(pos) != '.')) throw error(at, "expected a value name after `%`");
        return scan(".", "a value name after `%`", false);
    }

    /** A graph's name: a word that may also hold '-' (model names such as gpt2-small). */
    private String graphName() { return scan("_.-", "a graph name", false); }

    private String word(String what) { return scan(".", what, true); }

    @Override protected IrSyntaxError error(int line, int column, String reason) {
        return new IrSyntaxError(line, column, reason);
    }
}
