package strata.tests.ir;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A small FileCheck, in the manner of LLVM's: {@code // CHECK:} lines matched in order against
 * output lines. Matching is by line: each directive matches (as a substring) one line after the
 * previous match.
 * <ul>
 * <li>{@code CHECK: p}: some later line contains p;
 * <li>{@code CHECK-NEXT: p}: the very next line contains p;
 * <li>{@code CHECK-NOT: p}: no line between the surrounding positive matches contains p;
 * <li>{@code CHECK-LABEL: p}: like CHECK, but first all labels are found, and the checks between
 *     two labels only search the output between them.
 * </ul>
 * Patterns are literal text (runs of blanks match runs of blanks) with {@code {{regex}}} blocks,
 * {@code [[NAME:regex]]} captures and {@code [[NAME]]} uses of an earlier capture; values are
 * renumbered by the printer, so captures are what keep tests independent of numbering.
 */
public final class FileCheck {
    public enum Kind { CHECK, NEXT, NOT, LABEL }

    /** One directive, with the line of the check file it came from (for messages). */
    public record Directive(Kind kind, String pattern, int line) {
        @Override public String toString() {
            String k = switch (kind) {
                case CHECK -> "CHECK";
                case NEXT -> "CHECK-NEXT";
                case NOT -> "CHECK-NOT";
                case LABEL -> "CHECK-LABEL";
            };
            return "line " + line + ": " + k + ": " + pattern;
        }
    }

    private static final Pattern DIRECTIVE = Pattern.compile("^\\s*//\\s*CHECK(-NEXT|-NOT|-LABEL)?:(.*)$");

    private final List<String> out;
    private final Map<String, String> vars = new HashMap<>();

    private FileCheck(String output) {
        out = List.of(output.split("\n", -1));
    }

    /** The directives among {@code lines}; {@code firstLine} is the file line of the first one. */
    public static List<Directive> directives(List<String> lines, int firstLine) {
        List<Directive> ds = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = DIRECTIVE.matcher(lines.get(i));
            if (!m.matches()) continue;
            Kind k = m.group(1) == null ? Kind.CHECK : switch (m.group(1)) {
                case "-NEXT" -> Kind.NEXT;
                case "-NOT" -> Kind.NOT;
                default -> Kind.LABEL;
            };
            ds.add(new Directive(k, m.group(2).strip(), firstLine + i));
        }
        return ds;
    }

    /** Checks {@code output} against the directives; throws an {@link AssertionError} that shows both. */
    public static void check(List<Directive> directives, String output) {
        new FileCheck(output).run(directives);
    }

    private void run(List<Directive> ds) {
        List<Integer> labelLines = new ArrayList<>();
        int from = 0;
        for (Directive d : ds) {
            if (d.kind() != Kind.LABEL) continue;
            int at = search(d, from, out.size());
            if (at < 0) throw fail(d, "label not found", from);
            labelLines.add(at);
            from = at + 1;
        }
        int start = 0, label = 0, last = -1;
        List<Directive> pendingNots = new ArrayList<>();
        int end = labelLines.isEmpty() ? out.size() : labelLines.getFirst();
        for (Directive d : ds) {
            switch (d.kind()) {
                case NOT -> pendingNots.add(d);
                case LABEL -> {
                    checkNots(pendingNots, last + 1, end);
                    start = labelLines.get(label++);
                    end = label < labelLines.size() ? labelLines.get(label) : out.size();
                    last = start;
                    match(d, start);
                }
                case CHECK -> {
                    int at = search(d, Math.max(last + 1, start), end);
                    if (at < 0) throw fail(d, "expected text not found", Math.max(last + 1, start));
                    checkNots(pendingNots, last + 1, at);
                    match(d, at);
                    last = at;
                }
                case NEXT -> {
                    int at = last + 1;
                    if (last < 0 || at >= end || !matches(d, at)) throw fail(d, "expected text not on the next line", at);
                    match(d, at);
                    last = at;
                }
            }
        }
        checkNots(pendingNots, last + 1, end);
    }

    private void checkNots(List<Directive> nots, int from, int to) {
        for (Directive n : nots)
            for (int i = Math.max(from, 0); i < to && i < out.size(); i++)
                if (matches(n, i)) throw fail(n, "excluded text found on output line " + (i + 1), i);
        nots.clear();
    }

    private int search(Directive d, int from, int to) {
        for (int i = from; i < to && i < out.size(); i++) if (matches(d, i)) return i;
        return -1;
    }

    private boolean matches(Directive d, int line) { return compile(d).matcher(out.get(line)).find(); }

    /** Matches {@code d} on {@code line} again and records its captures. */
    private void match(Directive d, int line) {
        List<String> names = new ArrayList<>();
        Matcher m = compile(d, names).matcher(out.get(line));
        if (!m.find()) throw fail(d, "expected text not found", line);
        for (int i = 0; i < names.size(); i++) vars.put(names.get(i), m.group("v" + i));
    }

    private Pattern compile(Directive d) { return compile(d, new ArrayList<>()); }

    /** The directive as a regex; {@code captures} receives the variable defined by each group v0, v1, ... */
    private Pattern compile(Directive d, List<String> captures) {
        String p = d.pattern();
        StringBuilder re = new StringBuilder();
        int i = 0;
        while (i < p.length()) {
            if (p.startsWith("{{", i)) {
                int close = p.indexOf("}}", i + 2);
                if (close < 0) throw fail(d, "unterminated {{", -1);
                re.append("(?:").append(p, i + 2, close).append(')');
                i = close + 2;
            } else if (p.startsWith("[[", i)) {
                int close = p.indexOf("]]", i + 2);
                if (close < 0) throw fail(d, "unterminated [[", -1);
                String body = p.substring(i + 2, close);
                int colon = body.indexOf(':');
                if (colon >= 0) {
                    if (d.kind() == Kind.NOT) throw fail(d, "a CHECK-NOT cannot define a variable", -1);
                    re.append("(?<v").append(captures.size()).append('>').append(body.substring(colon + 1)).append(')');
                    captures.add(body.substring(0, colon));
                } else if (captures.contains(body)) {
                    re.append("\\k<v").append(captures.indexOf(body)).append('>');
                } else {
                    String v = vars.get(body);
                    if (v == null) throw fail(d, "use of undefined variable [[" + body + "]]", -1);
                    re.append(Pattern.quote(v));
                }
                i = close + 2;
            } else {
                int next = i;
                while (next < p.length() && !p.startsWith("{{", next) && !p.startsWith("[[", next)) next++;
                for (String piece : p.substring(i, next).split("(?<=\\S)(?=\\s)|(?<=\\s)(?=\\S)"))
                    re.append(piece.isBlank() ? "\\s+" : Pattern.quote(piece));
                i = next;
            }
        }
        try {
            return Pattern.compile(re.toString());
        } catch (PatternSyntaxException e) {
            throw fail(d, "bad regex: " + e.getDescription(), -1);
        }
    }

    private AssertionError fail(Directive d, String why, int outputLine) {
        StringBuilder sb = new StringBuilder(why).append("\n  ").append(d).append('\n');
        if (!vars.isEmpty()) sb.append("  with variables ").append(new java.util.TreeMap<>(vars)).append('\n');
        if (outputLine >= 0) sb.append("  searching from output line ").append(outputLine + 1).append('\n');
        sb.append("output:\n");
        for (int i = 0; i < out.size(); i++) sb.append(String.format("%4d| %s%n", i + 1, out.get(i)));
        return new AssertionError(sb.toString());
    }
}
