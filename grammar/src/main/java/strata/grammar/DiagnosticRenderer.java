package strata.grammar;

/**
 * Renders a diagnostic for a person, in the style of clang and rustc:
 * <pre>
 * models/mine.strata:14:13: error: cannot add f32[B, T, 768] and f32[B, T, 3072]
 *    14 |     x = x + ffn_up(norm(x))
 *       |         ^^^^^^^^^^^^^^^^^^^ hint
 * </pre>
 */
public final class DiagnosticRenderer {
    private final SourceFiles sources;

    public DiagnosticRenderer(SourceFiles sources) { this.sources = sources; }

    public String render(Diagnostic d) {
        StringBuilder sb = new StringBuilder(d.headline()).append('\n');
        Span s = d.span();
        String line = sources.line(s.file(), s.line());
        if (line != null) {
            String no = Integer.toString(s.line());
            String pad = " ".repeat(Math.max(4, no.length() + 1));
            sb.append(" ".repeat(pad.length() - no.length())).append(no).append(" | ").append(line.replace('\t', ' ')).append('\n');
            int start = Math.max(1, s.col());
            int end = s.endLine() == s.line() ? Math.max(s.endCol(), start) : line.length();
            end = Math.min(Math.max(end, start), Math.max(line.length(), start));
            sb.append(pad).append(" | ").append(" ".repeat(start - 1)).append("^".repeat(end - start + 1));
            if (d.hint() != null) sb.append(' ').append(d.hint());
            sb.append('\n');
        } else if (d.hint() != null) {
            sb.append("  hint: ").append(d.hint()).append('\n');
        }
        return sb.toString();
    }
}
