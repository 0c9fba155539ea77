package strata.grammar;

/**
 * A problem found in a user's source, kept as a value with its span until it is rendered for a
 * person at the edge of the program.
 *
 * @param hint what to do about it, or null
 */
public record Diagnostic(Severity severity, Span span, String message, String hint) {
    public enum Severity { ERROR, WARNING, NOTE }

    public static Diagnostic error(Span span, String message) { return new Diagnostic(Severity.ERROR, span, message, null); }

    public static Diagnostic error(Span span, String message, String hint) {
        return new Diagnostic(Severity.ERROR, span, message, hint);
    }

    public Diagnostic withHint(String h) { return new Diagnostic(severity, span, message, h); }

    /** The first line of the rendering, {@code file:line:col: error: message}. */
    public String headline() {
        return span.file() + ":" + span.line() + ":" + span.col() + ": " + severity.name().toLowerCase() + ": " + message;
    }
}
