package strata.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import strata.compiler.front.Elaborator;
import strata.compiler.front.ModelReport;

/** {@code strata check FILE}: parse, check types and shapes, count parameters and FLOPs. */
@Command(name = "check", description = "Check a model's types and shapes; print its parameters per part and FLOPs per token.")
final class CheckCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "the .strata file") Path file;
    @Option(names = "--model", description = "the model to check (default: the last model of the file)") String model;
    @Option(names = "--preset", description = "a preset of the model") String preset;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a hyperparameter") List<String> sets = new ArrayList<>();

    @Override public Integer call() {
        Frontend fe = new Frontend();
        if (fe.load(file, System.err) == null) return 1;
        Elaborator.Result r = fe.elaborate(model, preset, Sets.parse(sets), System.err);
        if (r == null) return 1;
        System.out.print(ModelReport.of(r).render());
        return 0;
    }
}
