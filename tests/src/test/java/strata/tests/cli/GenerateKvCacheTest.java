package strata.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphParser;
import strata.compiler.graph.Verifier;
import strata.tests.ModelFiles;

/**
 * {@code strata generate} decodes with a KV cache and prints the text full recomputation prints
 * (greedy, past the block, on a checkpoint trained with --set overrides); {@code strata compile
 * --pipeline default,kv-decode} prints a decode program, or refuses a non-causal model with the
 * mask's counterexample.
 */
class GenerateKvCacheTest {
    private static String model(String name) { return ModelFiles.models().resolve(name).toString(); }

    @Test
    void generateWithTheCachePrintsWhatFullRecomputePrints(@TempDir Path tmp) {
        CliRun t = CliRun.of("train", model("gpt2.strata"), "--preset", "nanogpt-cpu", "--set", "layers=1", "--set", "d=32", "--set", "heads=2",
                "--set", "block=24", "--steps", "3", "--batch", "2", "--eval-every", "100", "--eval-batches", "1", "--sample", "0", "--out", tmp.toString());
        assertEquals(0, t.exitCode(), t.all());
        List<String> common = List.of("generate", "--checkpoint", tmp.toString(), "--prompt", "ROMEO:", "--max-new-tokens", "40", "--temperature", "0");
        CliRun kv = CliRun.of(common.toArray(String[]::new));
        CliRun full = CliRun.of(java.util.stream.Stream.concat(common.stream(), java.util.stream.Stream.of("--no-kv-cache")).toArray(String[]::new));
        assertEquals(0, kv.exitCode(), kv.all());
        assertEquals(0, full.exitCode(), full.all());
        assertTrue(kv.err().contains("tokens/s (KV cache)"), kv.err());
        assertTrue(full.err().contains("tokens/s (full recompute)"), full.err());
        assertEquals(full.out(), kv.out());
    }

    @Test
    void compileWithKvDecodePrintsADecodeProgram() {
        CliRun r = CliRun.of("compile", model("llama.strata"), "--preset", "tiny", "--pipeline", "default,kv-decode");
        assertEquals(0, r.exitCode(), r.all());
        Graph g = GraphParser.parse(r.out());
        assertEquals(List.of(), Verifier.verify(g));
        assertEquals(List.of("B", "P", "N"), g.symbols());
        assertEquals(1 + 2 * 2, g.outputs().size(), "logits and the grown caches of two layers");
    }

    @Test
    void compileWithKvDecodeRefusesGlmWithTheCounterexample() {
        CliRun r = CliRun.of("compile", model("glm.strata"), "--preset", "tiny", "--pipeline", "default,kv-decode");
        assertEquals(1, r.exitCode(), r.all());
        assertTrue(r.err().contains("cannot decode @glm-tiny with a KV cache: its mask `prefix_lm` (k <= q or k < prefix[b])")
                && r.err().contains("lets query 0 see key 1 (k > q)"), r.err());
    }
}
