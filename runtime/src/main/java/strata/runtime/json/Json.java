package strata.runtime.json;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON (RFC 8259) reader and writer for the runtime's file formats (safetensors headers,
 * tokenizer.json). Values are {@code Map<String, Object>} (insertion-ordered), {@code List<Object>},
 * {@code String}, {@code Long} (integers that fit), {@code Double} (everything else), {@code Boolean}
 * and {@code null}. Anything RFC 8259 does not allow is refused with its line and column: trailing
 * commas, comments, single quotes, leading zeros, NaN, unescaped control characters, lone
 * surrogates, duplicate keys and text after the value.
 */
public final class Json {
    /** Deeper nesting than this is refused, so that hostile input cannot overflow the stack. */
    public static final int MAX_DEPTH = 512;

    private final String s;
    private int pos;

    private Json(String s) { this.s = s; }

    public static Object parse(String text) {
        Json p = new Json(text);
        p.skipSpace();
        Object v = p.value(0);
        p.skipSpace();
        if (p.pos < text.length()) throw p.error("unexpected " + p.describe() + " after the JSON value");
        return v;
    }

    /** Parses text whose top level must be an object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) throw new JsonException("expected a JSON object at the top level, found " + typeName(v), 0, 1, 1);
        return (Map<String, Object>) v;
    }

    public static String typeName(Object v) {
        return switch (v) {
            case null -> "null";
            case Map<?, ?> m -> "an object";
            case List<?> l -> "an array";
            case String str -> "a string";
            case Boolean b -> "a boolean";
            case Number n -> "a number";
            default -> v.getClass().getSimpleName();
        };
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH + " levels");
        if (pos >= s.length()) throw error("unexpected end of input, expected a value");
        char c = s.charAt(pos);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected " + describe() + ", expected a value");
            }
        };
    }

    private Map<String, Object> object(int depth) {
        pos++; // '{'
        Map<String, Object> m = new LinkedHashMap<>();
        skipSpace();
        if (peek('}')) { pos++; return m; }
        while (true) {
            skipSpace();
            if (!peek('"')) throw error("unexpected " + describe() + ", expected a string key");
            int keyAt = pos;
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            Object v = value(depth + 1);
            if (m.containsKey(key)) { pos = keyAt; throw error("duplicate key \"" + key + "\""); }
            m.put(key, v);
            skipSpace();
            if (peek(',')) { pos++; continue; }
            if (peek('}')) { pos++; return m; }
            throw error("unexpected " + describe() + ", expected ',' or '}'");
        }
    }

    private List<Object> array(int depth) {
        pos++; // '['
        List<Object> l = new ArrayList<>();
        skipSpace();
        if (peek(']')) { pos++; return l; }
        while (true) {
            skipSpace();
            l.add(value(depth + 1));
            skipSpace();
            if (peek(',')) { pos++; continue; }
            if (peek(']')) { pos++; return l; }
            throw error("unexpected " + describe() + ", expected ',' or ']'");
        }
    }

    private String string() {
        pos++; // opening quote
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= s.length()) throw error("unterminated string");
            char c = s.charAt(pos);
            if (c == '"') { pos++; break; }
            if (c < 0x20) throw error("unescaped control character U+" + String.format("%04X", (int) c) + " in a string");
            if (c == '\\') {
                pos++;
                if (pos >= s.length()) throw error("unterminated escape");
                char e = s.charAt(pos++);
                switch (e) {
                    case '"' -> b.append('"');
                    case '\\' -> b.append('\\');
                    case '/' -> b.append('/');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> b.append(hex4());
                    default -> { pos--; throw error("invalid escape \\" + e); }
                }
            } else {
                b.append(c);
                pos++;
            }
        }
        String out = b.toString();
        for (int i = 0; i < out.length(); i++) {
            char c = out.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < out.length() && Character.isLowSurrogate(out.charAt(i + 1))) i++;
            else if (Character.isSurrogate(c)) throw error("string holds a lone surrogate U+" + String.format("%04X", (int) c));
        }
        return out;
    }

    private char hex4() {
        if (pos + 4 > s.length()) throw error("truncated \\u escape");
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos), 16);
            if (d < 0) throw error("invalid hex digit in \\u escape");
            v = v * 16 + d;
            pos++;
        }
        return (char) v;
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, pos)) throw error("unexpected " + describe() + ", expected a value");
        pos += word.length();
        return v;
    }

    // number = [ minus ] int [ frac ] [ exp ]; int = zero / ( digit1-9 *DIGIT )   (RFC 8259, section 6)
    private Object number() {
        int start = pos;
        if (peek('-')) pos++;
        if (peek('0')) pos++;
        else if (digitAt(pos)) { while (digitAt(pos)) pos++; }
        else throw error("expected a digit");
        if (digitAt(pos)) throw error("leading zeros are not allowed");
        boolean integral = true;
        if (peek('.')) {
            integral = false;
            pos++;
            if (!digitAt(pos)) throw error("expected a digit after the decimal point");
            while (digitAt(pos)) pos++;
        }
        if (peek('e') || peek('E')) {
            integral = false;
            pos++;
            if (peek('+') || peek('-')) pos++;
            if (!digitAt(pos)) throw error("expected a digit in the exponent");
            while (digitAt(pos)) pos++;
        }
        String text = s.substring(start, pos);
        if (integral) {
            try { return Long.parseLong(text); } catch (NumberFormatException tooBig) { /* falls through to a double */ }
        }
        double d = Double.parseDouble(text);
        if (Double.isInfinite(d)) { pos = start; throw error("number " + text + " is out of range"); }
        return d;
    }

    private boolean digitAt(int i) { return i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9'; }

    private boolean peek(char c) { return pos < s.length() && s.charAt(pos) == c; }

    private void expect(char c) {
        if (!peek(c)) throw error("unexpected " + describe() + ", expected '" + c + "'");
        pos++;
    }

    private void skipSpace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') pos++;
            else break;
        }
    }

    private String describe() {
        if (pos >= s.length()) return "end of input";
        int cp = s.codePointAt(pos);
        return cp < 0x20 || cp == 0x7f ? String.format("character U+%04X", cp) : "'" + Character.toString(cp) + "'";
    }

    private JsonException error(String message) {
        int line = 1, col = 1;
        for (int i = 0; i < Math.min(pos, s.length()); i++) {
            if (s.charAt(i) == '\n') { line++; col = 1; } else col++;
        }
        return new JsonException(message, pos, line, col);
    }

    // ---- writing ----

    /** Compact JSON. */
    public static String write(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v, -1, 0);
        return b.toString();
    }

    /** JSON indented by {@code indent} spaces per level, as Hugging Face writes tokenizer.json. */
    public static String writePretty(Object v, int indent) {
        StringBuilder b = new StringBuilder();
        write(b, v, indent, 0);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v, int indent, int level) {
        switch (v) {
            case null -> b.append("null");
            case String str -> quote(b, str);
            case Boolean bool -> b.append(bool);
            case Long l -> b.append(l);
            case Integer i -> b.append(i);
            case Short sh -> b.append(sh);
            case Byte by -> b.append(by);
            case Number n -> {
                double d = n.doubleValue();
                if (!Double.isFinite(d)) throw new IllegalArgumentException("JSON has no " + d);
                b.append(Double.toString(d)); // Java's form (1.0, 2.5E-7) is valid JSON
            }
            case Map<?, ?> m -> {
                if (m.isEmpty()) { b.append("{}"); return; }
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!(e.getKey() instanceof String key)) throw new IllegalArgumentException("JSON object keys must be strings, got " + e.getKey());
                    if (!first) b.append(',');
                    first = false;
                    newline(b, indent, level + 1);
                    quote(b, key);
                    b.append(indent < 0 ? ":" : ": ");
                    write(b, e.getValue(), indent, level + 1);
                }
                newline(b, indent, level);
                b.append('}');
            }
            case List<?> l -> {
                if (l.isEmpty()) { b.append("[]"); return; }
                b.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) b.append(',');
                    newline(b, indent, level + 1);
                    write(b, l.get(i), indent, level + 1);
                }
                newline(b, indent, level);
                b.append(']');
            }
            default -> throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
        }
    }

    private static void newline(StringBuilder b, int indent, int level) {
        if (indent < 0) return;
        b.append('\n');
        b.append(String.join("", Collections.nCopies(indent * level, " ")));
    }

    private static void quote(StringBuilder b, String str) {
        b.append('"');
        for (int i = 0; i < str.length(); i++) {
            char c = str.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    boolean pairedHigh = Character.isHighSurrogate(c) && i + 1 < str.length() && Character.isLowSurrogate(str.charAt(i + 1));
                    boolean pairedLow = Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(str.charAt(i - 1));
                    // the reader refuses lone surrogates, so the writer never produces them
                    if (Character.isSurrogate(c) && !pairedHigh && !pairedLow)
                        throw new IllegalArgumentException(String.format("string holds a lone surrogate U+%04X at index %d", (int) c, i));
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }
}
