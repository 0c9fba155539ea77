package strata.grammar;

/** Thrown to abandon a unit of work after its diagnostic has been recorded. */
public final class CompileError extends RuntimeException {
    private final transient Diagnostic diagnostic;

    public CompileError(Diagnostic diagnostic) {
        super(diagnostic == null ? "already reported" : diagnostic.headline(), null, false, false);
        this.diagnostic = diagnostic;
    }

    /**
     * Abandons work whose cause has already been reported (a value that failed earlier is used
     * again); its diagnostic is null, and {@link Diagnostics#add} ignores it, so nothing cascades.
     */
    public static CompileError alreadyReported() { return new CompileError((Diagnostic) null); }

    public CompileError(Span span, String message) { this(Diagnostic.error(span, message)); }

    public CompileError(Span span, String message, String hint) { this(Diagnostic.error(span, message, hint)); }

    /** The problem, or null when it was reported before. */
    public Diagnostic diagnostic() { return diagnostic; }
}
