package strata.compiler.text;

/**
 * Text of an IR that is not well formed: where (1-based line and column) and why. Its message
 * reads {@code 3:14: error: use of undefined value %9}.
 */
public class TextSyntaxError extends RuntimeException {
    private final int line;
    private final int column;
    private final String reason;

    public TextSyntaxError(int line, int column, String reason) {
        super(line + ":" + column + ": error: " + reason);
        this.line = line;
        this.column = column;
        this.reason = reason;
    }

    public int line() { return line; }

    public int column() { return column; }

    /** The message without its position. */
    public String reason() { return reason; }
}
