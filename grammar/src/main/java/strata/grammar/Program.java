package strata.grammar;

import java.util.List;
import java.util.Map;
import strata.grammar.ast.Decl;
import strata.grammar.ast.SourceFile;

/** Every file of a program (the main file and what it imports) and its top-level declarations by name. */
public record Program(SourceFile main, List<SourceFile> files, Map<String, Decl> decls) {}
