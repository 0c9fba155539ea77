package strata.tests.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.runtime.Tensor;
import strata.runtime.checkpoint.Checkpoint;
import strata.runtime.checkpoint.Safetensors;
import strata.tests.ModelFiles;
import strata.tests.cli.CliRun;

/** {@code strata import} and {@code strata export} end to end: files in, files out, the same numbers. */
public class HfCommandsTest {

    static String model(String file) { return ModelFiles.models().resolve(file).toString(); }

    static Checkpoint read(Path file, Arena a) throws Exception { return Safetensors.read(file, a, Safetensors.Load.COPIED); }

    @Test
    void importedGpt2GivesTheLogitsOfAnIndependentForwardOverTheHuggingFaceTensors(@TempDir Path tmp) throws Exception {
        try (Arena a = Arena.ofShared()) {
            Map<String, Tensor> hf = HfFixtures.gpt2(a, 11, 64, 16, 32, 2);
            Path file = tmp.resolve("model.safetensors");
            Safetensors.write(file, hf, Map.of("format", "pt"));
            CliRun run = CliRun.of("import", file.toString(), "--model", model("gpt2.strata"), "--preset", "tiny", "--out", tmp.resolve("run").toString());
            assertEquals(0, run.exitCode(), run.all());

            Checkpoint ck = read(tmp.resolve("run/checkpoint.safetensors"), a);
            assertEquals("0", ck.metadata().get("strata.step"));
            assertEquals("tiny", ck.metadata().get("strata.preset"));
            Graph g = HfFixtures.model("gpt2.strata", "tiny", Map.of());
            Map<String, RefTensor> params = new LinkedHashMap<>();
            ck.tensors().forEach((n, t) -> params.put(n, t.toRef()));
            int[][] tokens = {{5, 63, 0, 17, 17, 42, 9}, {1, 2, 3, 4, 5, 6, 7}};
            double[] flat = new double[14];
            for (int b = 0; b < 2; b++) for (int i = 0; i < 7; i++) flat[b * 7 + i] = tokens[b][i];
            RefTensor logits = new Interpreter().run(g, Map.of("tokens", RefTensor.of(DType.I32, new long[] {2, 7}, flat)), params).getFirst();
            for (int b = 0; b < 2; b++) {
                double[][] want = Gpt2Reference.logits(hf, tokens[b], 2, 2);
                for (int i = 0; i < 7; i++)
                    for (int v = 0; v < 64; v++)
                        assertEquals(want[i][v], logits.get(b, i, v), 1e-4 * (1 + Math.abs(want[i][v])), "logit [" + b + ", " + i + ", " + v + "]");
            }
        }
    }

    /** A run directory as strata train leaves it: parameters, optimizer state, the metadata that names the model. */
    static Path runDirectory(Path dir, String file, long seed, Arena a) throws Exception {
        Graph g = HfFixtures.model(file, "tiny", Map.of());
        Map<String, Tensor> tensors = new LinkedHashMap<>(HfFixtures.randomParams(a, g, seed));
        SplittableRandom rnd = new SplittableRandom(seed);
        for (var e : List.copyOf(tensors.entrySet())) tensors.put("optimizer.m." + e.getKey(), HfFixtures.bits(a, rnd, e.getValue().shape()));
        Files.createDirectories(dir);
        Safetensors.write(dir.resolve("checkpoint.safetensors"), tensors, Map.of("strata.model_file", model(file), "strata.preset", "tiny", "strata.step", "7"));
        return dir;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2.strata", "bert.strata", "bert_pretraining.strata"})
    void exportThenImportOnTheCommandLineGivesTheSameBits(String file, @TempDir Path tmp) throws Exception {
        try (Arena a = Arena.ofShared()) {
            Path run = runDirectory(tmp.resolve("trained"), file, 21, a);
            String format = file.startsWith("gpt2") ? "hf-gpt2" : "hf-bert";
            CliRun ex = CliRun.of("export", "--checkpoint", run.toString(), "--format", format, "--out", tmp.resolve("hf.safetensors").toString());
            assertEquals(0, ex.exitCode(), ex.all());
            Checkpoint hf = read(tmp.resolve("hf.safetensors"), a);
            assertEquals("pt", hf.metadata().get("format"));
            assertFalse(hf.tensors().keySet().stream().anyMatch(n -> n.contains("optimizer")), hf.tensors().keySet().toString());
            CliRun im = CliRun.of("import", tmp.resolve("hf.safetensors").toString(), "--model", model(file), "--preset", "tiny", "--out", tmp.resolve("back").toString());
            assertEquals(0, im.exitCode(), im.all());
            Map<String, Tensor> before = new LinkedHashMap<>(read(run.resolve("checkpoint.safetensors"), a).tensors());
            before.keySet().removeIf(n -> n.startsWith("optimizer."));
            HfMappingTest.assertSameBits(before, read(tmp.resolve("back/checkpoint.safetensors"), a).tensors());
        }
    }

    @Test
    void weightsOfAnotherSizeAreRefusedWithTheSetsThatFitAndNoRunIsWritten(@TempDir Path tmp) throws Exception {
        try (Arena a = Arena.ofShared()) {
            Path file = tmp.resolve("model.safetensors");
            Safetensors.write(file, HfFixtures.gpt2(a, 3, 80, 16, 16, 1), Map.of());
            CliRun run = CliRun.of("import", file.toString(), "--model", model("gpt2.strata"), "--preset", "tiny", "--out", tmp.resolve("run").toString());
            assertEquals(1, run.exitCode(), run.all());
            assertTrue(run.err().contains("as GPT2 --preset tiny") && run.err().contains("shape: `wte.weight` is f32[80, 16], but wte.weight needs [64, 32]")
                    && run.err().contains("missing: `h.1.ln_1.weight`") && run.err().contains("--set vocab=80 --set block=16 --set d=16 --set layers=1"), run.err());
            assertFalse(Files.exists(tmp.resolve("run")));
            // a file of tiny's size, offered to another preset, is pointed back to tiny
            Safetensors.write(file, HfFixtures.gpt2(a, 3, 64, 16, 32, 2), Map.of());
            CliRun other = CliRun.of("import", file.toString(), "--model", model("gpt2.strata"), "--preset", "nanogpt-cpu", "--out", tmp.resolve("run").toString());
            assertEquals(1, other.exitCode(), other.all());
            assertTrue(other.err().contains("these presets of GPT2 fit the file: --preset tiny") && other.err().contains("... and "), other.err());
        }
    }

    @Test
    void aFileOfNeitherFamilyOrAnUnknownFormatIsAClearError(@TempDir Path tmp) throws Exception {
        try (Arena a = Arena.ofShared()) {
            Path file = tmp.resolve("other.safetensors");
            Safetensors.write(file, Map.of("model.embed_tokens.weight", Tensor.allocate(a, DType.F32, 4, 4)), Map.of());
            CliRun run = CliRun.of("import", file.toString(), "--model", model("gpt2.strata"), "--preset", "tiny", "--out", tmp.resolve("run").toString());
            assertEquals(1, run.exitCode(), run.all());
            assertTrue(run.err().contains("holds neither GPT-2 (wte.weight) nor BERT"), run.err());
            CliRun ex = CliRun.of("export", "--checkpoint", tmp.toString(), "--format", "hf-llama", "--out", tmp.resolve("x.safetensors").toString());
            assertEquals(1, ex.exitCode(), ex.all());
            assertTrue(ex.err().contains("unknown --format `hf-llama`; use hf-gpt2 or hf-bert"), ex.err());
            CliRun missing = CliRun.of("import", tmp.resolve("nope.safetensors").toString(), "--model", model("gpt2.strata"), "--preset", "tiny", "--out", tmp.resolve("run").toString());
            assertEquals(1, missing.exitCode(), missing.all());
            assertTrue(missing.err().contains("nope.safetensors") && !missing.err().contains("internal error"), missing.err());
        }
    }

    /** A model's size for a quick run on the bundled tinyshakespeare: nanoGPT's recipe, narrowed. */
    static final List<String> SMALL = List.of("--preset", "nanogpt-cpu", "--set", "layers=1", "--set", "d=32", "--set", "heads=2");

    static String[] args(List<String> head, List<String> tail) {
        List<String> all = new java.util.ArrayList<>(head);
        all.addAll(SMALL);
        all.addAll(tail);
        return all.toArray(String[]::new);
    }

    @Test
    void trainInitStartsAFreshRunFromImportedWeights(@TempDir Path tmp) throws Exception {
        try (Arena a = Arena.ofShared()) {
            Path file = tmp.resolve("model.safetensors");
            Safetensors.write(file, HfFixtures.gpt2(a, 8, 65, 64, 32, 1), Map.of("format", "pt"));
            CliRun im = CliRun.of(args(List.of("import", file.toString(), "--model", model("gpt2.strata")), List.of("--out", tmp.resolve("imported").toString())));
            assertEquals(0, im.exitCode(), im.all());
            // one step at learning rate 1e-30 moves no weight by as much as half an ulp (the weights are
            // at least about 1e-7 in size, Adam's first step at most about 1), so the run's checkpoint
            // holds the imported weights bit for bit; without --init it would hold ParamInit's
            CliRun tr = CliRun.of(args(List.of("train", model("gpt2.strata")), List.of("--init", tmp.resolve("imported").toString(), "--steps", "1",
                    "--lr", "1e-30", "--min-lr", "1e-30", "--warmup", "0", "--batch", "2", "--eval-every", "1", "--eval-batches", "1", "--sample", "0",
                    "--out", tmp.resolve("run").toString())));
            assertEquals(0, tr.exitCode(), tr.all());
            Map<String, Tensor> trained = new LinkedHashMap<>(read(tmp.resolve("run/checkpoint.safetensors"), a).tensors());
            trained.keySet().removeIf(n -> n.startsWith("optimizer."));
            HfMappingTest.assertSameBits(read(tmp.resolve("imported/checkpoint.safetensors"), a).tensors(), trained);

            CliRun wrong = CliRun.of("train", model("gpt2.strata"), "--preset", "nanogpt-cpu", "--set", "layers=1", "--set", "d=16", "--set", "heads=2",
                    "--init", tmp.resolve("imported").toString(), "--steps", "1", "--sample", "0", "--out", tmp.resolve("run2").toString());
            assertEquals(1, wrong.exitCode(), wrong.all());
            assertTrue(wrong.err().contains("does not fit the model") && wrong.err().contains("shape: `wte.weight` is f32[65, 32], the model's is f32[65, 16]"), wrong.err());
        }
    }
}
