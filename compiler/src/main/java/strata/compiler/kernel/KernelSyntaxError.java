package strata.compiler.kernel;

/**
 * Text that is not a well-formed kernel: where (1-based line and column) and why. Its message
 * reads {@code 3:14: error: use of undefined value %acc}.
 */
public final class KernelSyntaxError extends RuntimeException {
    private final int line;
    private final int column;
    private final String reason;

    public KernelSyntaxError(int line, int column, String reason) {
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
