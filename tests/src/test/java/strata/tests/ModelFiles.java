package strata.tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import strata.compiler.front.Elaborator;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.interp.RefTensor;
import strata.grammar.Diagnostic;
import strata.grammar.DiagnosticRenderer;
import strata.grammar.Diagnostics;
import strata.grammar.Program;
import strata.grammar.ProgramLoader;
import strata.grammar.SourceFiles;
import strata.testkit.ModelAssertions;

/** Loads and elaborates the model library and makes random weights and inputs for it, for tests. */
public final class ModelFiles {
    private ModelFiles() {}

    /** The repository's models/ folder (tests run in tests/). */
    public static Path models() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isRegularFile(p.resolve("models/prelude.strata"))) return p.resolve("models");
        throw new IllegalStateException("cannot find models/prelude.strata above " + Path.of("").toAbsolutePath());
    }

    public record Built(Elaborator.Result result, Diagnostics diagnostics, String rendered) {
        public Graph graph() { return result.graph(); }
    }

    public static Built build(Path file, String preset, Map<String, String> sets) {
        Diagnostics d = new Diagnostics();
        SourceFiles src = new SourceFiles();
        Program p = new ProgramLoader(d, src).load(file);
        Elaborator.Result r = d.hasErrors() ? null : new Elaborator(p, d).elaborate(null, preset, sets);
        StringBuilder sb = new StringBuilder();
        for (Diagnostic x : d.all()) sb.append(new DiagnosticRenderer(src).render(x));
        return new Built(r, d, sb.toString());
    }

    public static Built buildText(String name, String text, String preset) {
        Diagnostics d = new Diagnostics();
        SourceFiles src = new SourceFiles();
        Program p = new ProgramLoader(d, src).loadText(name, text);
        Elaborator.Result r = d.hasErrors() ? null : new Elaborator(p, d).elaborate(null, preset, Map.of());
        StringBuilder sb = new StringBuilder();
        for (Diagnostic x : d.all()) sb.append(new DiagnosticRenderer(src).render(x));
        return new Built(r, d, sb.toString());
    }

    /** Random parameters: normal(0, 0.2) for matrices, 1 +- 0.1 for gains (the testkit's). */
    public static Map<String, RefTensor> randomParams(Graph g, long seed) { return ModelAssertions.randomParams(g, seed); }

    /** Random inputs for given symbol values: integer inputs drawn in [0, bound), floats normal. */
    public static Map<String, RefTensor> randomInputs(Graph g, Map<String, Long> symbols, long intBound, long seed) {
        return randomInputs(g, symbols, in -> new long[] {0, intBound}, seed);
    }

    /** Random inputs: each integer input drawn in the range [lo, hi) that {@code range} gives it, floats normal (the testkit's). */
    public static Map<String, RefTensor> randomInputs(Graph g, Map<String, Long> symbols, java.util.function.Function<Op, long[]> range, long seed) {
        return ModelAssertions.randomInputs(g, symbols, range, seed);
    }

    public static List<String> modelFiles() {
        return List.of("gpt2.strata", "llama.strata", "bert.strata", "bert_pretraining.strata", "albert.strata",
                "albert_pretraining.strata", "t5.strata", "glm.strata", "persona.strata");
    }
}
