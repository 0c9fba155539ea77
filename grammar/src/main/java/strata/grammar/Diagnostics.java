package strata.grammar;

import java.util.ArrayList;
import java.util.List;

/** The problems found so far in one run; collection continues past the first error. */
public final class Diagnostics {
    private final List<Diagnostic> all = new ArrayList<>();

    /** Records a problem; null (the diagnostic of {@link CompileError#alreadyReported()}) is ignored. */
    public void add(Diagnostic d) {
        if (d == null) return;
        // the same message at the same place once only (a slot used in every layer fails once)
        for (Diagnostic o : all) if (o.span().equals(d.span()) && o.message().equals(d.message())) return;
        all.add(d);
    }

    public void error(Span span, String message) { add(Diagnostic.error(span, message)); }

    public void error(Span span, String message, String hint) { add(Diagnostic.error(span, message, hint)); }

    public boolean hasErrors() { return all.stream().anyMatch(d -> d.severity() == Diagnostic.Severity.ERROR); }

    public List<Diagnostic> all() { return List.copyOf(all); }

    public int errorCount() { return (int) all.stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).count(); }
}
