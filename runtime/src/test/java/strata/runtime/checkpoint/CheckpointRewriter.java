package strata.runtime.checkpoint;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import strata.compiler.graph.DType;
import strata.runtime.Tensor;

/**
 * The child process of {@link CrashSafetyTest}: rewrites one checkpoint forever with versions
 * start, start+1, ..., printing "wrote N" after each, until it is killed.
 */
public final class CheckpointRewriter {
    private CheckpointRewriter() {}

    /** Version v of the checkpoint: 4 MiB of f32 and a small i64 tensor, every value a function of v. */
    static void writeVersion(Path file, long v) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = Tensor.allocate(arena, DType.F32, 1024, 1024);
            for (int i = 0; i < 1024 * 1024; i++) w.set(i, v + i * 1e-3);
            Tensor step = Tensor.allocate(arena, DType.I64, 3);
            for (int i = 0; i < 3; i++) step.set(i, v * 10 + i);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("w", w);
            tensors.put("step", step);
            Safetensors.write(file, tensors, Map.of("version", Long.toString(v)));
        }
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        for (long v = Long.parseLong(args[1]); ; v++) {
            writeVersion(file, v);
            System.out.println("wrote " + v);
            System.out.flush();
        }
    }
}
