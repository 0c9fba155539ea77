package strata.runtime;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.front.Elaborator;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.passes.PassManager;
import strata.grammar.Diagnostic;
import strata.grammar.DiagnosticRenderer;
import strata.grammar.Diagnostics;
import strata.grammar.Program;
import strata.grammar.ProgramLoader;
import strata.grammar.SourceFiles;

/**
 * A Strata model compiled for this CPU, for use from Java:
 * <pre>
 * try (Executable gpt = Executable.load(Path.of("models/gpt2.strata"), "tiny", Map.of())) {
 *     Map&lt;String, Tensor&gt; named = new HashMap&lt;&gt;(gpt.initialParameters(1));
 *     named.put("tokens", tokens);
 *     List&lt;Tensor&gt; logits = gpt.run(named);
 * }
 * </pre>
 * Inputs and parameters are passed together, by name; a model with errors is refused with its
 * diagnostics rendered as {@code file:line:col: error: ...}.
 */
public final class Executable implements AutoCloseable {
    private final Graph graph;
    private final CpuExecutable exe;
    private final KernelPool pool;
    private final Arena params = Arena.ofShared();

    private Executable(Graph graph, CpuExecutable exe, KernelPool pool) {
        this.graph = graph;
        this.exe = exe;
        this.pool = pool;
    }

    /** A model that does not check, with the rendered diagnostics as its message. */
    public static final class ModelError extends RuntimeException {
        public ModelError(String rendered) {
            super(rendered);
        }
    }

    /** Loads, checks, elaborates and compiles the last model of a file. */
    public static Executable load(Path file, String preset, Map<String, String> sets) {
        Diagnostics d = new Diagnostics();
        SourceFiles sources = new SourceFiles();
        Program p = new ProgramLoader(d, sources).load(file);
        Elaborator.Result r = d.hasErrors() ? null : new Elaborator(p, d).elaborate(null, preset, sets);
        if (d.hasErrors()) {
            StringBuilder sb = new StringBuilder();
            for (Diagnostic x : d.all()) sb.append(new DiagnosticRenderer(sources).render(x));
            throw new ModelError(sb.toString());
        }
        Graph g = PassManager.parse("default").run(r.graph());
        KernelPool pool = KernelPool.forThisMachine();
        return new Executable(g, CpuExecutable.compile(g, pool), pool);
    }

    /** The model's inputs by name, with their types (sizes such as B and T are symbols). */
    public Map<String, TensorType> inputs() { return types(graph.inputs()); }

    /** The model's parameters by name, with their types. */
    public Map<String, TensorType> parameters() { return types(graph.params()); }

    private static Map<String, TensorType> types(List<Op> ops) {
        Map<String, TensorType> out = new LinkedHashMap<>();
        for (Op op : ops) out.put(op.strAttr("name", ""), op.type());
        return out;
    }

    /** Parameters drawn from the model's initializers with a seed (owned by this executable). */
    public Map<String, Tensor> initialParameters(long seed) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Op p : graph.params()) out.put(p.strAttr("name", ""), ParamInit.of(params, p, seed));
        return out;
    }

    /** Runs the model on inputs and parameters given by name; the outputs are freed by the garbage collector. */
    public List<Tensor> run(Map<String, Tensor> named) { return run(Arena.ofAuto(), named); }

    /** Runs the model; the outputs live in {@code out}. */
    public List<Tensor> run(Arena out, Map<String, Tensor> named) {
        Map<String, Tensor> in = new HashMap<>(), par = new HashMap<>();
        for (Op op : graph.inputs()) if (named.containsKey(op.strAttr("name", ""))) in.put(op.strAttr("name", ""), named.get(op.strAttr("name", "")));
        for (Op op : graph.params()) if (named.containsKey(op.strAttr("name", ""))) par.put(op.strAttr("name", ""), named.get(op.strAttr("name", "")));
        for (String k : named.keySet())
            if (!in.containsKey(k) && !par.containsKey(k))
                throw new IllegalArgumentException("`" + k + "` is neither an input nor a parameter of " + graph.name()
                        + "; its inputs are " + inputs().keySet());
        return exe.run(out, in, par);
    }

    @Override public void close() {
        exe.close();
        params.close();
        pool.close();
    }
}
