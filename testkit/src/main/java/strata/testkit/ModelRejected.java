package strata.testkit;

import java.util.List;
import strata.grammar.Diagnostic;

/**
 * A model that does not parse, check or elaborate. The message is the rendered diagnostics,
 * each with its {@code file:line:col}, the source line and the hint, as {@code strata check}
 * prints them.
 */
public final class ModelRejected extends RuntimeException {
    private final transient List<Diagnostic> diagnostics;

    public ModelRejected(String what, List<Diagnostic> diagnostics, String rendered) {
        super(what + " has errors:\n" + rendered);
        this.diagnostics = List.copyOf(diagnostics);
    }

    public List<Diagnostic> diagnostics() { return diagnostics; }
}
