package strata.runtime.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The strict JSON reader and writer: values survive a round trip, and every malformed text is refused where it goes wrong. */
class JsonTest {
    @Test
    void parsesEveryKindOfValue() {
        Object v = Json.parse(" {\"a\": [1, -2.5, 3e2, true, false, null], \"b\": \"x\\u00e9\\n\\\"\\ud83d\\ude00\", \"c\": {}} ");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("a", Arrays.asList(1L, -2.5, 300.0, true, false, null));
        expected.put("b", "x\u00e9\n\"\ud83d\ude00");
        expected.put("c", Map.of());
        assertEquals(expected, v);
    }

    @Test
    void integersBeyondALongBecomeDoubles() {
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(9.223372036854775808E18, Json.parse("9223372036854775808"));
    }

    @Test
    void writtenValuesParseBackEqual() {
        qt().withExamples(300).forAll(longs().all(), integers().between(0, 6)).check((seed, depth) -> {
            Object v = randomValue(new Random(seed), depth);
            return v.equals(Json.parse(Json.write(v))) || (v == null && Json.parse(Json.write(v)) == null);
        });
    }

    @Test
    void prettyOutputParsesToTheSameValue() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("model", Map.of("vocab", Map.of("a", 0L), "merges", List.of("a b", "ab c")));
        v.put("added_tokens", List.of());
        String pretty = Json.writePretty(v, 2);
        assertTrue(pretty.contains("\n  "), pretty);
        assertEquals(v, Json.parse(pretty));
    }

    private static Object randomValue(Random r, int depth) {
        int kind = r.nextInt(depth > 0 ? 7 : 5);
        return switch (kind) {
            case 0 -> r.nextLong();
            case 1 -> r.nextBoolean() ? r.nextGaussian() * Math.pow(10, r.nextInt(40) - 20) : (double) r.nextInt(100);
            case 2 -> randomString(r);
            case 3 -> r.nextBoolean();
            case 4 -> "";
            case 5 -> {
                List<Object> l = new ArrayList<>();
                for (int i = r.nextInt(4); i > 0; i--) l.add(randomValue(r, depth - 1));
                yield l;
            }
            default -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int i = r.nextInt(4); i > 0; i--) m.put(randomString(r), randomValue(r, depth - 1));
                yield m;
            }
        };
    }

    /** Any code point but lone surrogates: controls, quotes, backslashes and astral characters included. */
    static String randomString(Random r) {
        StringBuilder b = new StringBuilder();
        for (int i = r.nextInt(8); i > 0; i--) {
            int cp = switch (r.nextInt(4)) {
                case 0 -> r.nextInt(0x80);
                case 1 -> "\"\\/\b\f\n\r\t".charAt(r.nextInt(8));
                case 2 -> r.nextInt(0xD800);
                default -> 0x10000 + r.nextInt(0x100000);
            };
            b.appendCodePoint(cp);
        }
        return b.toString();
    }

    private static void refused(String text, String message, int line, int column) {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(text), text);
        assertEquals("line " + line + ", column " + column + ": " + message, e.getMessage());
    }

    @Test
    void malformedTextIsRefusedWithItsPosition() {
        refused("{\"a\": 1,}", "unexpected '}', expected a string key", 1, 9);
        refused("[1, 2,]", "unexpected ']', expected a value", 1, 7);
        refused("[1 2]", "unexpected '2', expected ',' or ']'", 1, 4);
        refused("{\n  \"a\" 1}", "unexpected '1', expected ':'", 2, 7);
        refused("{'a': 1}", "unexpected ''', expected a string key", 1, 2);
        refused("01", "leading zeros are not allowed", 1, 2);
        refused("1.", "expected a digit after the decimal point", 1, 3);
        refused("-", "expected a digit", 1, 2);
        refused("NaN", "unexpected 'N', expected a value", 1, 1);
        refused("tru", "unexpected 't', expected a value", 1, 1);
        refused("\"a\nb\"", "unescaped control character U+000A in a string", 1, 3);
        refused("\"\\x\"", "invalid escape \\x", 1, 3);
        refused("\"\\ud800\"", "string holds a lone surrogate U+D800", 1, 9);
        refused("\"abc", "unterminated string", 1, 5);
        refused("{\"a\": 1, \"a\": 2}", "duplicate key \"a\"", 1, 10);
        refused("[1] x", "unexpected 'x' after the JSON value", 1, 5);
        refused("", "unexpected end of input, expected a value", 1, 1);
        refused("// c\n1", "unexpected '/', expected a value", 1, 1);
        refused("1e999", "number 1e999 is out of range", 1, 1);
    }

    @Test
    void deepNestingIsRefusedNotAStackOverflow() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(deep));
        assertTrue(e.getMessage().endsWith("nesting deeper than " + Json.MAX_DEPTH + " levels"), e.getMessage());
    }

    @Test
    void writerRefusesWhatJsonCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.write("\ud800"));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, 2)));
    }
}
