package strata.cli.bench;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.llvm.CompileCache;
import strata.compiler.lower.GraphLowering;
import strata.runtime.CpuExecutable;
import strata.runtime.KernelPool;
import strata.runtime.Tensor;

/**
 * Causal attention, fused (one online-softmax kernel) against our own unfused compiled path
 * (scores, softmax and values as three kernels over a Tq x Tk buffer), on the same inputs.
 */
public final class AttentionBench {
    private AttentionBench() {}

    static Graph causal(long h, long d) {
        GraphBuilder b = new GraphBuilder("causal_attention");
        TensorType t = new TensorType(DType.F32, List.of(Dim.sym("B"), Dim.of(h), Dim.sym("T"), Dim.of(d)));
        Value q = b.input("q", t), k = b.input("k", t), v = b.input("v", t);
        TensorType idx = TensorType.scalar(DType.I64);
        Region mask = b.region("mask", List.of(idx, idx, idx, idx), a -> b.op(OpKind.LE, a.get(3), a.get(2)));
        Value o = b.op(OpKind.ATTENTION, List.of(q, k, v), Map.of("scale", new strata.compiler.graph.Attr.Float(1 / Math.sqrt(d))), null, List.of(mask));
        return b.build(List.of(o));
    }

    /** B=4, H=12, T=1024, d=64 by default. */
    public static void run(PrintStream out, long batch, long heads, long length, long d, KernelPool pool) {
        Graph g = causal(heads, d);
        CompileCache cache = CompileCache.defaultCache();
        try (CpuExecutable fused = CpuExecutable.compile(GraphLowering.of(g, true), pool, cache);
             CpuExecutable unfused = CpuExecutable.compile(GraphLowering.of(g, false), pool, cache);
             Arena arena = Arena.ofShared()) {
            Map<String, Tensor> in = new HashMap<>();
            SplittableRandom r = new SplittableRandom(7);
            for (String n : List.of("q", "k", "v")) {
                Tensor x = Tensor.allocate(arena, DType.F32, batch, heads, length, d);
                for (long i = 0; i < x.numel(); i++) x.set(i, r.nextDouble() * 2 - 1);
                in.put(n, x);
            }
            double maxDiff = 0;
            Tensor a = fused.run(arena, in, Map.of()).getFirst(), bt = unfused.run(arena, in, Map.of()).getFirst();
            for (long i = 0; i < a.numel(); i++) maxDiff = Math.max(maxDiff, Math.abs(a.get(i) - bt.get(i)));
            long ours = BenchCase.median(1, 5, () -> { try (Arena x = Arena.ofConfined()) { fused.run(x, in, Map.of()); } });
            long peer = BenchCase.median(1, 5, () -> { try (Arena x = Arena.ofConfined()) { unfused.run(x, in, Map.of()); } });
            // causal: about half of the 4 B H T^2 d multiply-adds of full attention
            double flops = 4.0 * batch * heads * length * length * d / 2;
            String name = String.format("attention causal B=%d H=%d T=%d d=%d", batch, heads, length, d);
            BenchCase.report(out, name, "GFLOP/s", flops, ours, "unfused", peer);
            long scores = batch * heads * length * length * 4;
            out.printf("  extra memory: fused 0 bytes beyond q, k, v and the output (O(1) per row: m, l); unfused %d bytes of scores (B H T^2 floats)%n", scores);
            out.printf("  max |fused - unfused| = %.3g%n", maxDiff);
        }
    }
}
