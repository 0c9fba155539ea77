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
 * The counter-based random kernels (uniform and normal draws, training-mode dropout) against a
 * copy kernel of the same tensor: a draw writes the tensor once and dropout reads and writes it,
 * so the copy's bandwidth is the bound; what is left above it is the hashing (SplitMix64, 64-bit
 * multiplies) and, for normals, log, sqrt and sin.
 */
public final class RandomBench {
    private RandomBench() {}

    private static Graph graph(String what, long rows, long cols) {
        GraphBuilder b = new GraphBuilder(what + "_rows");
        Value x = b.input("x", TensorType.of(DType.F32, rows, cols));
        Value y = switch (what) {
            case "uniform", "normal" -> b.op(OpKind.RANDOM, List.of(), Map.of("seed", new Attr.Int(1), "dist", new Attr.Str(what)),
                    TensorType.of(DType.F32, rows, cols), List.of());
            case "dropout" -> b.op(OpKind.DROPOUT, List.of(x), Map.of("p", new Attr.Float(0.1), "seed", new Attr.Int(1)));
            default -> b.op(OpKind.NEG, x); // the copy: one load, one store per element
        };
        return b.build(List.of(y));
    }

    public static void run(PrintStream out, long rows, long cols, KernelPool pool) {
        try (Arena arena = Arena.ofShared();
             CpuExecutable copy = CpuExecutable.compile(graph("copy", rows, cols), pool)) {
            Tensor x = Tensor.allocate(arena, DType.F32, rows, cols);
            SplittableRandom r = new SplittableRandom(3);
            for (long i = 0; i < x.numel(); i++) x.set(i, r.nextGaussian());
            double elements = (double) rows * cols;
            long peer = BenchCase.median(3, 21, () -> { try (Arena a = Arena.ofConfined()) { copy.run(a, Map.of("x", x), Map.of()); } });
            for (String what : List.of("uniform", "normal", "dropout")) {
                Graph g = graph(what, rows, cols);
                try (CpuExecutable exe = what.equals("dropout") ? CpuExecutable.compileForTraining(g, pool) : CpuExecutable.compile(g, pool)) {
                    long[] step = {0};
                    long ours = BenchCase.median(3, 21, () -> { try (Arena a = Arena.ofConfined()) { exe.run(a, Map.of("x", x), Map.of(), ++step[0]); } });
                    // elements per ns (Gelem/s): a draw only writes, dropout and the copy read and write
                    BenchCase.report(out, String.format("%s [%d, %d]", what.equals("dropout") ? "dropout p=0.1 (training)" : "random " + what, rows, cols),
                            "Gelem/s", elements, ours, "copy", peer);
                }
            }
        }
    }
}
