package strata.tests.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import strata.compiler.graph.DType;
import strata.runtime.Executable;
import strata.runtime.Tensor;
import strata.tests.ModelFiles;

/** The Java API: load a model file, run it by named tensors, and get clear errors for mistakes. */
class ExecutableTest {
    @Test
    void gpt2TinyRunsFromJavaByNamedTensors() {
        try (Executable gpt = Executable.load(ModelFiles.models().resolve("gpt2.strata"), "tiny", Map.of()); Arena a = Arena.ofConfined()) {
            assertEquals("i32[B, T]", gpt.inputs().get("tokens").toString());
            assertTrue(gpt.parameters().containsKey("wte.weight"));
            Tensor tokens = Tensor.allocate(a, DType.I32, 2, 5);
            for (int i = 0; i < 10; i++) tokens.set(i, i % 7);
            Map<String, Tensor> named = new HashMap<>(gpt.initialParameters(1));
            named.put("tokens", tokens);
            List<Tensor> out = gpt.run(named);
            assertArrayEquals(new long[] {2, 5, 64}, out.getFirst().shape());
            assertThrows(IllegalArgumentException.class, () -> gpt.run(Map.of("tokenz", tokens)));
        }
    }

    @Test
    void aModelWithErrorsIsRefusedWithItsDiagnostics(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.strata");
        Files.writeString(f, "model M {\n  input x: f32[B, 4]\n  forward { return x + y }\n}\n");
        Executable.ModelError e = assertThrows(Executable.ModelError.class, () -> Executable.load(f, null, Map.of()));
        assertTrue(e.getMessage().contains("bad.strata:3:24: error: unknown name `y`"), e.getMessage());
    }
}
