package strata.cli.bench;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import strata.compiler.graph.Attr;
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
 * Causal attention's fused backward (the three {@code attention_grad} ops autodiff makes, wrt q,
 * k and v, which the lowering runs together as two kernels) against the fused forward on the same inputs: the peer here is the forward, and the
 * ratio says how many forwards one backward costs (FlashAttention-2 reports about 2.5, its
 * backward doing 5 matrix products to the forward's 2; Dao 2023, section 3.2).
 */
public final class AttentionBackwardBench {
    private AttentionBackwardBench() {}

    /** The acceptance cases: GPT-2 small's attention at T = 1024, and nanoGPT's character model. */
    public static final List<long[]> CASES = List.of(new long[] {4, 12, 1024, 64}, new long[] {12, 4, 64, 32});

    static Graph backward(long h, long d, List<String> wrt) {
        GraphBuilder b = new GraphBuilder("causal_attention_grad");
        TensorType t = new TensorType(DType.F32, List.of(Dim.sym("B"), Dim.of(h), Dim.sym("T"), Dim.of(d)));
        Value q = b.input("q", t), k = b.input("k", t), v = b.input("v", t), dout = b.input("dout", t);
        TensorType idx = TensorType.scalar(DType.I64);
        List<Value> outs = new java.util.ArrayList<>();
        for (String w : wrt) {
            Region mask = b.region("mask", List.of(idx, idx, idx, idx), a -> b.op(OpKind.LE, a.get(3), a.get(2)));
            outs.add(b.op(OpKind.ATTENTION_GRAD, List.of(q, k, v, dout), Map.of("wrt", new Attr.Str(w), "scale", new Attr.Float(1 / Math.sqrt(d))), null, List.of(mask)));
        }
        return b.build(outs);
    }

    public static void run(PrintStream out, long batch, long heads, long length, long d, KernelPool pool) {
        CompileCache cache = CompileCache.defaultCache();
        try (CpuExecutable forward = CpuExecutable.compile(GraphLowering.of(AttentionBench.causal(heads, d)), pool, cache);
             CpuExecutable all = CpuExecutable.compile(GraphLowering.of(backward(heads, d, List.of("q", "k", "v"))), pool, cache);
             Arena arena = Arena.ofShared()) {
            Map<String, Tensor> in = new HashMap<>();
            SplittableRandom r = new SplittableRandom(7);
            for (String n : List.of("q", "k", "v", "dout")) {
                Tensor x = Tensor.allocate(arena, DType.F32, batch, heads, length, d);
                for (long i = 0; i < x.numel(); i++) x.set(i, r.nextDouble() * 2 - 1);
                in.put(n, x);
            }
            Map<String, Tensor> fwdIn = Map.of("q", in.get("q"), "k", in.get("k"), "v", in.get("v"));
            boolean finite = all.run(arena, in, Map.of()).stream().allMatch(AttentionBackwardBench::finite);
            int runs = length >= 512 ? 3 : 15;
            long fwd = BenchCase.median(1, runs, () -> { try (Arena x = Arena.ofConfined()) { forward.run(x, fwdIn, Map.of()); } });
            long bwd = BenchCase.median(1, runs, () -> { try (Arena x = Arena.ofConfined()) { all.run(x, in, Map.of()); } });
            // FlashAttention-2's count: the backward's 5 products of B H T^2 d multiply-adds, halved by the causal mask
            double flops = 2.5 * 4.0 * batch * heads * length * length * d / 2;
            String name = String.format("attention backward causal B=%d H=%d T=%d d=%d (dq, dk, dv)", batch, heads, length, d);
            BenchCase.report(out, name, "GFLOP/s", flops, bwd, "forward", fwd);
            out.printf("  backward / forward = %.2f; gradients finite: %s%n", (double) bwd / fwd, finite);
            for (String w : List.of("q", "k", "v"))
                try (CpuExecutable one = CpuExecutable.compile(GraphLowering.of(backward(heads, d, List.of(w))), pool, cache)) {
                    long t = BenchCase.median(1, runs, () -> { try (Arena x = Arena.ofConfined()) { one.run(x, in, Map.of()); } });
                    out.printf("  d%s alone: %.3f ms (%.2f forwards)%n", w, t / 1e6, (double) t / fwd);
                }
            out.printf("  extra memory: %d bytes of statistics for dk, dv together or dk alone (B H T x 2 floats: L, D), half that for dv alone, none for dq alone; no B H T^2 buffer (%d bytes)%n",
                    batch * heads * length * 2 * 4, batch * heads * length * length * 4);
        }
    }

    private static boolean finite(Tensor t) {
        for (long i = 0; i < t.numel(); i++) if (!Double.isFinite(t.get(i))) return false;
        return true;
    }
}
