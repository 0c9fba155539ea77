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
import strata.compiler.interp.RefTensor;
import strata.compiler.llvm.CompileCache;
import strata.compiler.lower.GraphLowering;
import strata.compiler.masks.MaskData;
import strata.compiler.masks.RegionEval;
import strata.runtime.CpuExecutable;
import strata.runtime.KernelPool;
import strata.runtime.Tensor;

/**
 * Masked attention, fused (one online-softmax kernel) against our own unfused compiled path
 * (scores, softmax and values as three kernels over a Tq x Tk buffer), on the same inputs. The
 * masks are the prelude's, built here as regions: causal ({@code k <= q}), sliding
 * ({@code k <= q and (q - k < window or k < sinks)}), prefix ({@code k <= q or k < prefix[b]})
 * and padding ({@code k < len[b]}); the per-sample lengths are drawn in [T/4, 3T/4].
 */
public final class AttentionBench {
    private AttentionBench() {}

    public enum MaskKind { causal, sliding, prefix, padding }

    /** Causal attention (also the forward of the backward bench). */
    static Graph causal(long h, long d) { return graph(MaskKind.causal, h, d, 0, 0); }

    static Graph graph(MaskKind kind, long h, long d, long window, long sinks) {
        GraphBuilder b = new GraphBuilder(kind + "_attention");
        TensorType t = new TensorType(DType.F32, List.of(Dim.sym("B"), Dim.of(h), Dim.sym("T"), Dim.of(d)));
        Value q = b.input("q", t), k = b.input("k", t), v = b.input("v", t);
        Value lens = kind == MaskKind.prefix || kind == MaskKind.padding ? b.input("lens", new TensorType(DType.I32, List.of(Dim.sym("B")))) : null;
        TensorType idx = TensorType.scalar(DType.I64);
        Region mask = b.region("mask", List.of(idx, idx, idx, idx), a -> {
            Value kq = b.op(OpKind.LE, a.get(3), a.get(2));
            return switch (kind) {
                case causal -> kq;
                case sliding -> {
                    Value near = b.op(OpKind.LT, b.op(OpKind.SUB, a.get(2), a.get(3)), b.constant(window, idx));
                    Value sink = b.op(OpKind.LT, a.get(3), b.constant(sinks, idx));
                    yield b.op(OpKind.AND, kq, b.op(OpKind.OR, near, sink));
                }
                case prefix, padding -> {
                    Value len = b.op(OpKind.CAST, List.of(b.op(OpKind.GATHER, List.of(lens, a.get(0)), Map.of("axis", new Attr.Int(0)))), Map.of(), idx, List.of());
                    Value inside = b.op(OpKind.LT, a.get(3), len);
                    yield kind == MaskKind.prefix ? b.op(OpKind.OR, kq, inside) : inside;
                }
            };
        });
        Value o = b.op(OpKind.ATTENTION, List.of(q, k, v), Map.of("scale", new Attr.Float(1 / Math.sqrt(d))), null, List.of(mask));
        return b.build(List.of(o));
    }

    /** B=4, H=12, T=1024, d=64 by default. */
    public static void run(PrintStream out, MaskKind kind, long window, long sinks, long batch, long heads, long length, long d, KernelPool pool) {
        Graph g = graph(kind, heads, d, window, sinks);
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
            double[] lens = new double[(int) batch];
            for (int i = 0; i < batch; i++) lens[i] = length / 4 + r.nextLong(length / 2 + 1);
            RefTensor lensRef = RefTensor.of(DType.I32, new long[] {batch}, lens);
            if (kind == MaskKind.prefix || kind == MaskKind.padding) in.put("lens", Tensor.of(arena, lensRef));
            double maxDiff = 0;
            Tensor a = fused.run(arena, in, Map.of()).getFirst(), bt = unfused.run(arena, in, Map.of()).getFirst();
            for (long i = 0; i < a.numel(); i++) maxDiff = Math.max(maxDiff, Math.abs(a.get(i) - bt.get(i)));
            long ours = BenchCase.median(1, 5, () -> { try (Arena x = Arena.ofConfined()) { fused.run(x, in, Map.of()); } });
            long peer = BenchCase.median(1, 5, () -> { try (Arena x = Arena.ofConfined()) { unfused.run(x, in, Map.of()); } });
            // the useful work: 4 d flops (q . k and p v, a multiply-add each) per visible cell
            long visible = visibleCells(g, kind, lensRef, batch, length);
            double flops = 4.0 * heads * d * visible;
            String name = String.format("attention %s%s B=%d H=%d T=%d d=%d (%.1f%% of cells visible)", kind,
                    kind == MaskKind.sliding ? "(window=" + window + ", sinks=" + sinks + ")" : "", batch, heads, length, d,
                    100.0 * visible / (batch * length * length));
            BenchCase.report(out, name, "GFLOP/s", flops, ours, "unfused", peer);
            long scores = batch * heads * length * length * 4;
            out.printf("  extra memory: fused 0 bytes beyond q, k, v and the output (O(1) per row: m, l); unfused %d bytes of scores (B H T^2 floats)%n", scores);
            out.printf("  max |fused - unfused| = %.3g%n", maxDiff);
        }
    }

    /** The visible (b, q, k) cells of the mask (the same for every head), by the reference evaluator. */
    private static long visibleCells(Graph g, MaskKind kind, RefTensor lens, long batch, long length) {
        Region mask = g.ops().stream().filter(o -> o.kind() == OpKind.ATTENTION).findFirst().orElseThrow().region("mask").orElseThrow();
        Map<Value, RefTensor> data = new HashMap<>();
        g.ops().stream().filter(o -> o.kind() == OpKind.INPUT && o.strAttr("name", "").equals("lens")).forEach(o -> data.put(o.result(), lens));
        RegionEval e = new RegionEval(mask, new MaskData.Given(data));
        long n = 0;
        for (long b = 0; b < batch; b++)
            for (long q = 0; q < length; q++)
                for (long k = 0; k < length; k++) if (e.visible(b, 0, q, k)) n++;
        return n;
    }
}
