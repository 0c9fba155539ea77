package strata.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import strata.compiler.front.Elaborator;
import strata.grammar.Diagnostic;
import strata.grammar.DiagnosticRenderer;
import strata.grammar.Diagnostics;
import strata.grammar.Program;
import strata.grammar.ProgramLoader;
import strata.grammar.SourceFiles;

/** Reads, parses and elaborates a model for a command, rendering any diagnostics for a person. */
final class Frontend {
    final Diagnostics diagnostics = new Diagnostics();
    final SourceFiles sources = new SourceFiles();
    Program program;

    /** Loads a file; returns null (after reporting) when it does not parse. */
    Program load(Path file, PrintStream err) {
        if (!Files.isRegularFile(file)) {
            err.println("strata: " + file + ": no such file");
            return null;
        }
        program = new ProgramLoader(diagnostics, sources).load(file);
        if (diagnostics.hasErrors()) {
            report(err);
            return null;
        }
        return program;
    }

    Elaborator.Result elaborate(String model, String preset, Map<String, String> sets, PrintStream err) {
        Elaborator.Result r = new Elaborator(program, diagnostics).elaborate(model, preset, sets);
        if (diagnostics.hasErrors()) {
            report(err);
            return null;
        }
        return r;
    }

    /** The training graph: forward and loss (the named one, or the model's last). */
    Elaborator.Result elaborateTraining(String model, String preset, Map<String, String> sets, String loss, PrintStream err) {
        Elaborator.Result r = new Elaborator(program, diagnostics).elaborateTraining(model, preset, sets, loss);
        if (diagnostics.hasErrors()) {
            report(err);
            return null;
        }
        return r;
    }

    void report(PrintStream err) {
        DiagnosticRenderer renderer = new DiagnosticRenderer(sources);
        for (Diagnostic d : diagnostics.all()) err.print(renderer.render(d));
        int n = diagnostics.errorCount();
        if (n > 0) err.println(n + (n == 1 ? " error" : " errors"));
    }
}
