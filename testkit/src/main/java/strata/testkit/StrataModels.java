package strata.testkit;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import strata.compiler.front.Elaborator;
import strata.grammar.Diagnostic;
import strata.grammar.DiagnosticRenderer;
import strata.grammar.Diagnostics;
import strata.grammar.Program;
import strata.grammar.ProgramLoader;
import strata.grammar.SourceFiles;
import strata.grammar.Span;

/**
 * Loads and elaborates Strata models for tests: from a file or from text, with a preset (null or
 * "" for the written defaults) and {@code --set} values. {@code import prelude} and
 * {@code import masks} resolve from the model library on the classpath. A model with errors
 * throws {@link ModelRejected} with the rendered diagnostics.
 */
public final class StrataModels {
    private StrataModels() {}

    public static StrataModel load(Path file) { return load(file, null, Map.of()); }

    public static StrataModel load(Path file, String preset, Map<String, String> sets) {
        Diagnostics d = new Diagnostics();
        SourceFiles src = new SourceFiles();
        Program p = new ProgramLoader(d, src).load(file);
        return elaborate(file.toString(), p, d, src, preset, sets);
    }

    public static StrataModel fromText(String name, String text) { return fromText(name, text, null, Map.of()); }

    /** Text loaded as if it were the file {@code name}: imports resolve beside it, then in the library. */
    public static StrataModel fromText(String name, String text, String preset, Map<String, String> sets) {
        Diagnostics d = new Diagnostics();
        SourceFiles src = new SourceFiles();
        Program p = new ProgramLoader(d, src).loadText(name, text);
        return elaborate(name, p, d, src, preset, sets);
    }

    /** The presets of the file's model (its last one), its parents' included, in order. */
    public static List<String> presets(Path file) {
        Diagnostics d = new Diagnostics();
        SourceFiles src = new SourceFiles();
        Program p = new ProgramLoader(d, src).load(file);
        reject(file.toString(), d, src);
        Elaborator e = new Elaborator(p, d);
        List<String> models = e.models();
        if (models.isEmpty()) throw new IllegalArgumentException(file + " defines no model");
        List<String> out = List.copyOf(e.definition(models.getLast(), new Span(file.toString(), 1, 1, 1, 1)).presets().keySet());
        reject(file.toString(), d, src);
        return out;
    }

    private static StrataModel elaborate(String name, Program p, Diagnostics d, SourceFiles src, String preset, Map<String, String> sets) {
        String pr = preset == null || preset.isEmpty() ? null : preset;
        reject(name, d, src);
        Elaborator.Result r = new Elaborator(p, d).elaborate(null, pr, sets);
        reject(name + (pr == null ? "" : " --preset " + pr) + (sets.isEmpty() ? "" : " --set " + sets), d, src);
        return new StrataModel(name, pr, Map.copyOf(sets), r);
    }

    static void reject(String what, Diagnostics d, SourceFiles src) {
        if (!d.hasErrors()) return;
        StringBuilder sb = new StringBuilder();
        DiagnosticRenderer renderer = new DiagnosticRenderer(src);
        for (Diagnostic x : d.all()) sb.append(renderer.render(x));
        throw new ModelRejected(what, d.all(), sb.toString());
    }
}
