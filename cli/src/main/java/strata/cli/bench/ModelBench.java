package strata.cli.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import strata.compiler.front.Elaborator;
import strata.compiler.front.ModelReport;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.passes.PassManager;
import strata.compiler.llvm.CompileCache;
import strata.runtime.CpuExecutable;
import strata.runtime.KernelPool;
import strata.runtime.ParamInit;
import strata.runtime.Tensor;

/**
 * A whole model's forward pass: LLVM compile time cold (an empty cache) and warm (from the
 * cache), and the median forward time with GFLOP/s, for an elaborated model and sizes.
 */
public final class ModelBench {
    private ModelBench() {}

    public static void run(PrintStream out, Elaborator.Result r, long batch, long length, KernelPool pool) throws IOException {
        Graph g = PassManager.parse("default").run(r.graph());
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (String s : g.symbols()) sizes.put(s, s.equals("B") ? batch : length);
        Path dir = Files.createTempDirectory("strata-bench-cache");
        CompileCache cache = new CompileCache(dir);
        long t0 = System.nanoTime();
        CpuExecutable cold = CpuExecutable.compile(g, pool, cache);
        long t1 = System.nanoTime();
        cold.close();
        long t2 = System.nanoTime();
        try (CpuExecutable exe = CpuExecutable.compile(g, pool, cache); Arena arena = Arena.ofShared()) {
            long t3 = System.nanoTime();
            Map<String, Tensor> params = new HashMap<>(), inputs = new HashMap<>();
            for (Op p : g.params()) params.put(p.strAttr("name", ""), ParamInit.of(arena, p, 1));
            SplittableRandom rnd = new SplittableRandom(5);
            for (Op in : g.inputs()) {
                Tensor t = Tensor.allocate(arena, in.type().dtype(), in.type().concreteShape(sizes));
                for (long j = 0; j < t.numel(); j++) t.set(j, rnd.nextLong(Math.min(16, length)));
                inputs.put(in.strAttr("name", ""), t);
            }
            long fwd = BenchCase.median(1, 3, () -> { try (Arena a = Arena.ofConfined()) { exe.run(a, inputs, params); } });
            double flops = (double) ModelReport.flopsPerToken(g, length) * length * batch;
            out.printf("model %s at %s: forward %.1f ms (%.1f GFLOP/s); %d kernels; temporaries %d bytes (%d without the %d in-place writes)%n",
                    g.name(), sizes, fwd / 1e6, flops / fwd, exe.kernelCount(), exe.peakBytes(), exe.peakBytesWithoutInPlace(), exe.inPlaceCount());
            out.printf("compile: LLVM cold %.0f ms, warm from the cache %.0f ms%n", (t1 - t0) / 1e6, (t3 - t2) / 1e6);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
    }
}
