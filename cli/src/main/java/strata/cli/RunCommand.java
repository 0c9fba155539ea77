package strata.cli;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import strata.compiler.front.Elaborator;
import strata.compiler.front.Val;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.passes.PassManager;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.runtime.CpuExecutable;
import strata.runtime.KernelPool;
import strata.runtime.ParamInit;
import strata.runtime.Tensor;

/**
 * {@code strata run FILE --preset P}: compiles the model for this CPU and runs one forward pass
 * on weights from its initializers and random inputs; prints each output's shape and a checksum,
 * and with {@code --check} the largest difference from the reference interpreter.
 */
@Command(name = "run", description = "Compile a model and run a forward pass on random inputs; print output shapes and checksums.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE") Path file;
    @Option(names = "--model") String model;
    @Option(names = "--preset") String preset;
    @Option(names = "--set", paramLabel = "KEY=VALUE") List<String> sets = new ArrayList<>();
    @Option(names = "--batch", description = "B (default: ${DEFAULT-VALUE})") long batch = 2;
    @Option(names = "--length", description = "every sequence length: T, S, ... (default: 16, at most the block)") Long length;
    @Option(names = "--seed", description = "seed of weights and inputs (default: ${DEFAULT-VALUE})") long seed = 1;
    @Option(names = "--check", description = "also run the reference interpreter and print the largest difference") boolean check;
    @Option(names = "--profile", description = "print the wall time of each kind of kernel in the timed run") boolean profile;

    @Override public Integer call() {
        Frontend fe = new Frontend();
        if (fe.load(file, System.err) == null) return 1;
        Elaborator.Result r = fe.elaborate(model, preset, Sets.parse(sets), System.err);
        if (r == null) return 1;
        Graph g = PassManager.parse("default").run(r.graph());
        long block = r.hypers().get("block") instanceof Val.Int b ? b.value() : 16;
        long vocab = r.hypers().get("vocab") instanceof Val.Int v ? v.value() : 16;
        long t = length != null ? length : Math.min(16, block);
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (String s : g.symbols()) sizes.put(s, s.equals("B") ? batch : t);
        List<String> broken = r.broken(sizes);
        if (!broken.isEmpty()) {
            System.err.println("strata run: the sizes " + sizes + " break " + String.join("; ", broken));
            return 1;
        }
        try (KernelPool pool = KernelPool.forThisMachine(); Arena arena = Arena.ofConfined()) {
            long t0 = System.nanoTime();
            CpuExecutable exe = CpuExecutable.compile(g, pool);
            long t1 = System.nanoTime();
            Map<String, Tensor> params = new HashMap<>(), inputs = new HashMap<>();
            for (Op p : g.params()) params.put(p.strAttr("name", ""), ParamInit.of(arena, p, seed));
            SplittableRandom rnd = new SplittableRandom(seed * 31 + 7);
            for (Op in : g.inputs()) inputs.put(in.strAttr("name", ""), randomInput(arena, in, sizes, vocab, block, rnd));
            exe.run(arena, inputs, params); // warm-up: first calls resolve the JIT's symbols
            if (profile) exe.profile();
            long t2 = System.nanoTime();
            List<Tensor> out = exe.run(arena, inputs, params);
            long t3 = System.nanoTime();
            System.out.printf("compiled %d kernels in %.0f ms%s%n", exe.kernelCount(), (t1 - t0) / 1e6, exe.fromCache() ? " (from the cache)" : "");
            System.out.printf("forward at %s: %.2f ms; temporaries in one arena of %d bytes%n", sizes, (t3 - t2) / 1e6, exe.peakBytes());
            if (profile)
                System.out.printf("memory plan: peak %d bytes with %d kernels writing in place, %d bytes without%n", exe.peakBytes(), exe.inPlaceCount(),
                        exe.peakBytesWithoutInPlace());
            for (var e : exe.profileReport())
                System.out.printf("  %-28s %9.2f ms  %5.1f%%%n", e.getKey(), e.getValue() / 1e6, 100.0 * e.getValue() / (t3 - t2));
            List<RefTensor> ref = check ? reference(g, inputs, params) : null;
            for (int i = 0; i < out.size(); i++) {
                Tensor o = out.get(i);
                double sum = 0, abs = 0;
                for (long j = 0; j < o.numel(); j++) {
                    sum += o.get(j);
                    abs += Math.abs(o.get(j));
                }
                System.out.printf("output %d: %s  sum %.6g  abs-sum %.6g%s%n", i, o, sum, abs,
                        ref == null ? "" : String.format("  max |compiled - reference| %.3g", o.toRef().maxAbsDiff(ref.get(i))));
            }
            exe.close();
        }
        return 0;
    }

    private static Tensor randomInput(Arena arena, Op in, Map<String, Long> sizes, long vocab, long block, SplittableRandom rnd) {
        Tensor t = Tensor.allocate(arena, in.type().dtype(), in.type().concreteShape(sizes));
        long shortest = sizes.entrySet().stream().filter(e -> !e.getKey().equals("B")).mapToLong(Map.Entry::getValue).min().orElse(1);
        for (long j = 0; j < t.numel(); j++) {
            double v = switch (in.type().dtype()) {
                case I32, I64 -> in.type().rank() == 1 ? 1 + rnd.nextLong(shortest) : rnd.nextLong(Math.max(1, Math.min(vocab, block)));
                case BOOL -> rnd.nextBoolean() ? 1 : 0;
                default -> rnd.nextGaussian();
            };
            t.set(j, v);
        }
        return t;
    }

    private static List<RefTensor> reference(Graph g, Map<String, Tensor> inputs, Map<String, Tensor> params) {
        Map<String, RefTensor> ri = new HashMap<>(), rp = new HashMap<>();
        inputs.forEach((k, v) -> ri.put(k, v.toRef()));
        params.forEach((k, v) -> rp.put(k, v.toRef()));
        return new Interpreter().run(g, ri, rp);
    }
}
