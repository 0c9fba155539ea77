package strata.compiler.graph.passes;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphPrinter;
import strata.compiler.graph.Verifier;

/**
 * Runs a pipeline of passes over a graph: named pipelines ({@code default}) or comma-separated
 * pass names ({@code canonicalize,cse}). Verifies after every pass (on by default) so that the
 * pass that breaks an invariant is named; optionally prints the IR after each pass, MLIR style,
 * and times each pass.
 */
public final class PassManager {
    private static final Map<String, Supplier<Pass>> PASSES = new LinkedHashMap<>();
    private static final Map<String, List<String>> PIPELINES = new LinkedHashMap<>();

    static {
        PASSES.put("shape-inference", ShapeInference::new);
        PASSES.put("canonicalize", Canonicalize::new);
        PASSES.put("cse", CommonSubexpressionElimination::new);
        PASSES.put("dce", DeadCodeElimination::new);
        PASSES.put("autodiff", strata.compiler.autodiff.AutodiffPass::new);
        PASSES.put("kv-decode", strata.compiler.decode.KvDecodePass::new);
        PIPELINES.put("default", List.of("shape-inference", "canonicalize", "cse", "dce"));
    }

    private final List<Pass> passes = new ArrayList<>();
    private final Map<String, Long> nanos = new LinkedHashMap<>();
    private PrintStream irAfterAll;
    private boolean timing;
    private boolean verifyEach = true;

    /** A manager for a pipeline: a pipeline name, or pass and pipeline names separated by commas. */
    public static PassManager parse(String pipeline) {
        PassManager pm = new PassManager();
        for (String part : pipeline.split(",")) {
            String name = part.strip();
            if (name.isEmpty()) continue;
            List<String> names = PIPELINES.getOrDefault(name, List.of(name));
            for (String n : names) {
                Supplier<Pass> p = PASSES.get(n);
                if (p == null)
                    throw new IllegalArgumentException("unknown pass or pipeline `" + n + "` (known: " + PASSES.keySet() + ", " + PIPELINES.keySet() + ")");
                pm.add(p.get());
            }
        }
        return pm;
    }

    public static Set<String> passNames() { return PASSES.keySet(); }

    public static Set<String> pipelineNames() { return PIPELINES.keySet(); }

    public PassManager add(Pass p) {
        passes.add(p);
        return this;
    }

    public List<Pass> passes() { return List.copyOf(passes); }

    /** Prints {@code // -----// IR after <pass> //----- //} and the graph after each pass. */
    public PassManager printIrAfterAll(PrintStream out) {
        irAfterAll = out;
        return this;
    }

    public PassManager enableTiming() {
        timing = true;
        return this;
    }

    public PassManager verifyEach(boolean on) {
        verifyEach = on;
        return this;
    }

    /** Runs every pass in order; throws {@link IllegalStateException} naming the pass after which the graph no longer verifies. */
    public Graph run(Graph g) {
        for (Pass p : passes) {
            long start = System.nanoTime();
            g = p.run(g);
            if (timing) nanos.merge(p.name(), System.nanoTime() - start, Long::sum);
            if (irAfterAll != null) irAfterAll.print("// -----// IR after " + p.name() + " //----- //\n" + GraphPrinter.print(g));
            if (verifyEach) {
                List<String> problems = Verifier.verify(g);
                if (!problems.isEmpty())
                    throw new IllegalStateException("the graph does not verify after " + p.name() + ":\n  " + String.join("\n  ", problems));
            }
        }
        return g;
    }

    /** Milliseconds spent in each pass (summed over runs, in pipeline order) and in total. */
    public String timingReport() {
        StringBuilder sb = new StringBuilder("// pass timing (ms)\n");
        long total = 0;
        for (var e : nanos.entrySet()) {
            sb.append(String.format("//   %-16s %9.3f%n", e.getKey(), e.getValue() / 1e6));
            total += e.getValue();
        }
        return sb.append(String.format("//   %-16s %9.3f%n", "total", total / 1e6)).toString();
    }
}
