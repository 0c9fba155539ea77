package strata.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphParser;
import strata.compiler.graph.Verifier;
import strata.tests.ModelFiles;

/** The `strata` command line, run in process on the model library. */
class CliTest {
    private static String model(String name) { return ModelFiles.models().resolve(name).toString(); }

    @Test
    void checkCountsGpt2SmallParametersWithoutRunningIt() {
        CliRun r = CliRun.of("check", model("gpt2.strata"), "--preset", "small");
        assertEquals(0, r.exitCode(), r.all());
        assertTrue(r.out().contains("parameters: 124439808"), r.all());
        assertTrue(r.err().isEmpty(), r.err());
    }

    @Test
    void compileEmitsAGraphThatParsesBackAndVerifies() {
        CliRun r = CliRun.of("compile", model("gpt2.strata"), "--preset", "tiny", "--emit=graph");
        assertEquals(0, r.exitCode(), r.all());
        Graph g = GraphParser.parse(r.out());
        assertEquals(List.of(), Verifier.verify(g));
        assertEquals("gpt2-tiny", g.name());
        assertFalse(g.params().isEmpty());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("strata.tests.ModelFiles#modelFiles")
    void everyModelsTinyGraphPrintsParsesBackAndVerifies(String file) {
        CliRun r = CliRun.of("compile", model(file), "--preset", "tiny", "--emit=graph");
        assertEquals(0, r.exitCode(), r.all());
        assertEquals(List.of(), Verifier.verify(GraphParser.parse(r.out())), file);
    }

    @Test
    void runCompilesForTheCpuAndAgreesWithTheInterpreter() {
        CliRun r = CliRun.of("run", model("llama.strata"), "--preset", "tiny", "--check");
        assertEquals(0, r.exitCode(), r.all());
        var m = java.util.regex.Pattern.compile("max \\|compiled - reference\\| ([0-9.e-]+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Double.parseDouble(m.group(1)) < 1e-4, r.out());
        assertTrue(r.out().contains("output 0: f32[2, 16, 64]"), r.out());
    }

    @Test
    void runRefusesSizesThatBreakARequirement() {
        CliRun r = CliRun.of("run", model("gpt2.strata"), "--preset", "tiny", "--length", "17");
        assertEquals(1, r.exitCode(), r.all());
        assertTrue(r.err().contains("requires T <= 16"), r.err());
    }

    @Test
    void compileEmitsKernelsLlvmAndAssembly() {
        CliRun k = CliRun.of("compile", model("gpt2.strata"), "--preset", "tiny", "--emit=kernel");
        assertEquals(0, k.exitCode(), k.all());
        assertTrue(strata.compiler.kernel.KernelParser.parseAll(k.out()).size() > 10, "kernels parse back");
        CliRun l = CliRun.of("compile", model("gpt2.strata"), "--preset", "tiny", "--emit=llvm");
        assertTrue(l.out().contains("define void @k0_"), l.out().substring(0, Math.min(400, l.out().length())));
        CliRun a = CliRun.of("compile", model("gpt2.strata"), "--preset", "tiny", "--emit=asm");
        assertTrue(a.out().contains("vfmadd") || a.out().contains("vmulps"), "vector code in the assembly");
    }

    @Test
    void compileEmitsTheAst() {
        CliRun r = CliRun.of("compile", model("llama.strata"), "--emit=ast");
        assertEquals(0, r.exitCode(), r.all());
        assertTrue(r.out().startsWith("SourceFile path="), r.out());
        assertTrue(r.out().contains("Component isModel=true name=Llama"), r.out());
        assertTrue(r.out().contains("Import target=gpt2"), r.out());
    }

    @Test
    void printIrAfterAllPrintsASectionPerPass() {
        CliRun r = CliRun.of("compile", model("gpt2.strata"), "--preset", "tiny", "--print-ir-after-all");
        assertEquals(0, r.exitCode(), r.all());
        for (String pass : List.of("shape-inference", "canonicalize", "cse", "dce"))
            assertTrue(r.out().contains("// -----// IR after " + pass + " //----- //"), "no section for " + pass);
        // each section is a whole graph, and the final graph follows the last section
        long graphs = r.out().lines().filter(l -> l.startsWith("graph @gpt2-tiny")).count();
        assertEquals(5, graphs);
    }

    @Test
    void aMissingFileIsAUserErrorWithAClearMessage() {
        CliRun r = CliRun.of("check", "models/no_such_model.strata");
        assertEquals(1, r.exitCode(), r.all());
        assertTrue(r.err().contains("no_such_model.strata: no such file"), r.err());
        assertFalse(r.all().contains("Exception"), r.all());
        assertTrue(r.out().isEmpty(), r.out());
    }

    @Test
    void masksTakeGivenDataAndPictureGlmsPartsAAndB() {
        CliRun r = CliRun.of("masks", model("glm.strata"), "--preset", "tiny", "--T", "6", "--data", "prefix=2");
        assertEquals(0, r.exitCode(), r.all());
        // Part A (the first 2 tokens) sees itself both ways; Part B sees A and earlier B tokens
        assertTrue(r.out().contains("  ##....\n  ##....\n  ###...\n  ####..\n  #####.\n  ######\n"), r.out());
    }

    @Test
    void aMistakeInWhatWasAskedIsAnErrorNotAnInternalOne() {
        CliRun r = CliRun.of("masks", model("glm.strata"), "--preset", "tiny", "--data", "prefx=2");
        assertEquals(1, r.exitCode(), r.all());
        assertTrue(r.err().contains("strata masks: error: --data prefx: no mask reads an input `prefx`; the inputs they read are [prefix]"), r.err());
        assertFalse(r.all().contains("internal error"), r.all());
        CliRun g = CliRun.of("generate", "--checkpoint", "no/such/run");
        assertEquals(1, g.exitCode(), g.all());
        assertTrue(g.err().contains("no checkpoint to resume from"), g.err());
    }

    @Test
    void trainsWithABytePairVocabularyItLearnsFromTheDataAndGeneratesWithIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path text = tmp.resolve("text.txt");
        java.nio.file.Files.writeString(text, java.nio.file.Files.readString(ModelFiles.models().resolve("data/tinyshakespeare.txt")).substring(0, 60_000));
        java.nio.file.Path run = tmp.resolve("run");
        CliRun r = CliRun.of("train", model("gpt2.strata"), "--preset", "nanogpt-cpu", "--set", "layers=1", "--set", "d=32", "--set", "heads=2",
                "--set", "vocab=300", "--data", text.toString(), "--tokenizer", "bpe", "--vocab-size", "300",
                "--steps", "4", "--batch", "2", "--eval-every", "4", "--eval-batches", "2", "--sample", "10", "--out", run.toString());
        assertEquals(0, r.exitCode(), r.all());
        String tok = java.nio.file.Files.readString(run.resolve("tokenizer.json"));
        assertTrue(tok.contains("\"type\": \"BPE\"") || tok.contains("\"type\":\"BPE\""), tok.substring(0, Math.min(300, tok.length())));
        assertTrue(r.out().contains("val_loss:"), r.out());
        CliRun g = CliRun.of("generate", "--checkpoint", run.toString(), "--prompt", "ROMEO:", "--max-new-tokens", "5");
        assertEquals(0, g.exitCode(), g.all());
        assertTrue(g.out().contains("ROMEO:"), g.out());
        // a vocabulary smaller than the tokenizer's is refused with the --set that fits
        CliRun small = CliRun.of("train", model("gpt2.strata"), "--preset", "nanogpt-cpu", "--data", text.toString(), "--tokenizer", "bpe",
                "--vocab-size", "300", "--steps", "1", "--out", tmp.resolve("small").toString());
        assertEquals(1, small.exitCode(), small.all());
        assertTrue(small.err().contains("has vocab = 65; add --set vocab="), small.err());
    }
}
