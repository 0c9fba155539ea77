package strata.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import strata.compiler.front.Elaborator;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphPrinter;
import strata.compiler.graph.passes.PassManager;
import strata.compiler.llvm.KernelModule;
import strata.compiler.lower.GraphLowering;
import strata.grammar.ast.AstPrinter;

/** {@code strata compile FILE --emit=ast|graph|kernel|llvm|asm}: print a stage of the compiler. */
@Command(name = "compile", description = "Compile a model and print the chosen stage.")
final class CompileCommand implements Callable<Integer> {
    enum Stage { ast, graph, kernel, llvm, asm }

    @Parameters(index = "0", paramLabel = "FILE") Path file;
    @Option(names = "--emit", description = "the stage to print: ${COMPLETION-CANDIDATES} (default: graph)") Stage emit = Stage.graph;
    @Option(names = "--model") String model;
    @Option(names = "--preset") String preset;
    @Option(names = "--set", paramLabel = "KEY=VALUE") List<String> sets = new ArrayList<>();
    @Option(names = "--pipeline", description = "graph passes to run (default: ${DEFAULT-VALUE})") String pipeline = "default";
    @Option(names = "--print-ir-after-all", description = "print the graph after every pass") boolean printAfterAll;
    @Option(names = "--time-passes", description = "print the time each pass took") boolean timePasses;

    @Override public Integer call() {
        Frontend fe = new Frontend();
        if (fe.load(file, System.err) == null) return 1;
        if (emit == Stage.ast) {
            System.out.print(AstPrinter.print(fe.program.main()));
            return 0;
        }
        Elaborator.Result r = fe.elaborate(model, preset, Sets.parse(sets), System.err);
        if (r == null) return 1;
        PassManager pm;
        try {
            pm = PassManager.parse(pipeline);
        } catch (IllegalArgumentException e) {
            System.err.println("strata compile: --pipeline " + pipeline + ": " + e.getMessage());
            System.err.println("passes: " + String.join(", ", PassManager.passNames()) + "; pipelines: " + String.join(", ", PassManager.pipelineNames()));
            return 2;
        }
        if (printAfterAll) pm.printIrAfterAll(System.out);
        if (timePasses) pm.enableTiming();
        Graph g;
        try {
            g = pm.run(r.graph());
        } catch (strata.compiler.decode.NotDecodable e) { // --pipeline ...,kv-decode on a model that has no decode program
            System.err.println("strata compile: " + e.getMessage());
            return 1;
        }
        switch (emit) {
            case graph -> System.out.print(GraphPrinter.print(g));
            case kernel -> System.out.print(GraphLowering.of(g).text());
            case llvm -> System.out.print(KernelModule.of(g.name(), GraphLowering.of(g).kernels()).ir());
            case asm -> System.out.print(KernelModule.of(g.name(), GraphLowering.of(g).kernels()).assembly());
            default -> throw new IllegalStateException(emit.toString());
        }
        if (timePasses) System.err.print(pm.timingReport());
        return 0;
    }
}
