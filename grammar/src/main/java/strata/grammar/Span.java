package strata.grammar;

/** A range of source text: 1-based line and column of its first and last character. */
public record Span(String file, int line, int col, int endLine, int endCol) {
    public static final Span NONE = new Span("<builtin>", 0, 0, 0, 0);

    public Span to(Span end) {
        return new Span(file, line, col, end.endLine, end.endCol);
    }

    @Override public String toString() { return file + ":" + line + ":" + col; }
}
