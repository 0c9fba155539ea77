package strata.cli.bench;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.runtime.CpuExecutable;
import strata.runtime.KernelPool;
import strata.runtime.Tensor;

/**
 * Bandwidth-bound row ops (softmax, LayerNorm) against a copy kernel of the same tensor: both
 * read the tensor once and write it once, so the copy's bandwidth is what they can reach.
 */
public final class RowOpBench {
    private RowOpBench() {}

    private static Graph graph(OpKind kind, long rows, long cols) {
        GraphBuilder b = new GraphBuilder(kind.mnemonic() + "_rows");
        Value x = b.input("x", TensorType.of(DType.F32, rows, cols));
        Value y = switch (kind) {
            case SOFTMAX -> b.op(OpKind.SOFTMAX, List.of(x), Map.of("axis", new Attr.Int(1)));
            case LAYER_NORM -> b.op(OpKind.LAYER_NORM, List.of(x, b.param("g", TensorType.of(DType.F32, cols)), b.param("b", TensorType.of(DType.F32, cols))),
                    Map.of("eps", new Attr.Float(1e-5)));
            // the copy: a cast to the same type is folded away, so negate (one load, one store per element)
            default -> b.op(OpKind.NEG, x);
        };
        return b.build(List.of(y));
    }

    public static void run(PrintStream out, long rows, long cols, KernelPool pool) {
        try (Arena arena = Arena.ofShared();
             CpuExecutable copy = CpuExecutable.compile(graph(OpKind.NEG, rows, cols), pool)) {
            Tensor x = Tensor.allocate(arena, DType.F32, rows, cols);
            SplittableRandom r = new SplittableRandom(3);
            for (long i = 0; i < x.numel(); i++) x.set(i, r.nextGaussian());
            Tensor g = Tensor.allocate(arena, DType.F32, cols), bias = Tensor.allocate(arena, DType.F32, cols);
            for (long i = 0; i < cols; i++) {
                g.set(i, 1);
                bias.set(i, 0);
            }
            double bytes = 2.0 * rows * cols * 4;
            long peer = BenchCase.median(3, 21, () -> { try (Arena a = Arena.ofConfined()) { copy.run(a, Map.of("x", x), Map.of()); } });
            for (OpKind k : List.of(OpKind.SOFTMAX, OpKind.LAYER_NORM)) {
                try (CpuExecutable exe = CpuExecutable.compile(graph(k, rows, cols), pool)) {
                    Map<String, Tensor> params = k == OpKind.LAYER_NORM ? Map.of("g", g, "b", bias) : Map.of();
                    long ours = BenchCase.median(3, 21, () -> { try (Arena a = Arena.ofConfined()) { exe.run(a, Map.of("x", x), params); } });
                    BenchCase.report(out, String.format("%s [%d, %d]", k.mnemonic(), rows, cols), "GB/s", bytes, ours, "copy", peer);
                }
            }
        }
    }
}
