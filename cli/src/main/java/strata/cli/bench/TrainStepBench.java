package strata.cli.bench;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import strata.compiler.front.Elaborator;
import strata.compiler.front.ModelReport;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.runtime.KernelPool;
import strata.runtime.ParamInit;
import strata.runtime.Tensor;
import strata.runtime.train.Batches;
import strata.runtime.train.Optimizer;
import strata.runtime.train.Schedule;
import strata.runtime.train.Trainer;

/**
 * One training step of a model (forward, backward, clipping and the AdamW update) on random
 * weights and tokens: compile time, then the median of 10 steps after warm-up, printed as
 * {@code step_seconds: X}. The peers measured on this machine for GPT-2 small at batch 4,
 * sequence 64 are llm.c's train_gpt2.c (2.95 s) and libtorch with its AdamW (4.0 s).
 */
public final class TrainStepBench {
    private TrainStepBench() {}

    public static void run(PrintStream out, Elaborator.Result r, int batch, int length, KernelPool pool) {
        Graph g = r.graph();
        long vocab = r.hypers().get("vocab") instanceof strata.compiler.front.Val.Int v ? v.value() : 16;
        try (Arena arena = Arena.ofShared()) {
            Map<String, Tensor> init = new LinkedHashMap<>();
            for (Op p : g.params()) init.putIfAbsent(p.strAttr("name", ""), ParamInit.of(arena, p, 1));
            long t0 = System.nanoTime();
            Trainer trainer = new Trainer(g, n -> true, init, Optimizer.Settings.adamw(0.9, 0.95, 0.1, 1.0),
                    new Schedule(Schedule.Decay.COSINE, 3e-4, 3e-5, 10, 1000), 1, 1, pool);
            long t1 = System.nanoTime();
            Batches data = new Batches() {
                Map<String, Tensor> make(long seed, Arena a) {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    Map<String, Tensor> m = new LinkedHashMap<>();
                    for (Op in : g.inputs()) {
                        Tensor t = Tensor.allocate(a, DType.I32, batch, length);
                        for (long j = 0; j < t.numel(); j++) t.set(j, rnd.nextLong(vocab));
                        m.put(in.strAttr("name", ""), t);
                    }
                    return m;
                }

                @Override public Map<String, Tensor> train(long step, Arena a) { return make(step, a); }

                @Override public Map<String, Tensor> validation(long index, Arena a) { return make(-1 - index, a); }

                @Override public long tokensPerBatch() { return (long) batch * length; }
            };
            long[] step = {0};
            long median = BenchCase.median(2, 10, () -> trainer.step(step[0]++, data, 1));
            double flops = 3.0 * ModelReport.flopsPerToken(r.graph(), length) * batch * length;
            out.printf("train step %s at B=%d T=%d: %,d parameters, %d kernels; compiled in %.1f s%n", g.name(), batch, length,
                    trainer.layout().parameterCount(), trainer.kernelCount(), (t1 - t0) / 1e9);
            out.printf("median of 10 steps after 2 warm-up steps: %.3f s (%.1f GFLOP/s, counting 3x the forward's FLOPs)%n", median / 1e9, flops / median);
            out.println("peers measured on this machine: llm.c train_gpt2.c 2.95 s, libtorch 2.10 with AdamW 4.0 s");
            out.printf("step_seconds: %.3f%n", median / 1e9);
            trainer.close();
        }
    }
}
