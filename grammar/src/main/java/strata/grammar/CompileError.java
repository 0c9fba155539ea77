package strata.grammar;

/** Thrown to abandon a unit of work after its diagnostic has been recorded. */
public final class CompileError extends RuntimeException {
    private final transient Diagnostic diagnostic;

    public CompileError(Diagnostic diagnostic) {
        super(diagnostic.headline(), null, false, false);
        this.diagnostic = diagnostic;
    }

    public CompileError(Span span, String message) { this(Diagnostic.error(span, message)); }

    public CompileError(Span span, String message, String hint) { this(Diagnostic.error(span, message, hint)); }

    /**
     * Abandons work whose cause was already reported (an operand that failed earlier), so that
     * one mistake gives one diagnostic; its diagnostic is null and collectors skip it.
     */
    public static CompileError alreadyReported() {
        return new CompileError();
    }

    private CompileError() {
        super("already reported", null, false, false);
        this.diagnostic = null;
    }

    public Diagnostic diagnostic() { return diagnostic; }
}
