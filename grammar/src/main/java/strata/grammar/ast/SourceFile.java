package strata.grammar.ast;

import java.util.List;
import strata.grammar.Span;

/** One parsed file. */
public record SourceFile(String path, List<Import> imports, List<Decl> decls) {
    /** {@code import prelude} or {@code import "path/to/file.strata"}. */
    public record Import(Span span, String target, boolean isPath) {}
}
