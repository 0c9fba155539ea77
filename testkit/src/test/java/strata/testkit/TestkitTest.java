package strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The testkit's own laws: loading reports errors with their place, masks name their data, generators draw what they say. */
class TestkitTest {
    private static Path models() { return Path.of("").toAbsolutePath().getParent().resolve("models"); }

    @Test void aModelWithAnErrorIsRejectedWithFileLineAndColumn(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.strata");
        Files.writeString(f, "import prelude\nmodel Bad {\n  input x: f32[B, T, 4]\n  forward {\n    return x @ y\n  }\n}\n");
        ModelRejected e = assertThrows(ModelRejected.class, () -> StrataModels.load(f));
        assertTrue(e.getMessage().contains(f + ":5:"), e.getMessage());
        assertTrue(e.diagnostics().size() >= 1);
    }

    @Test void aModelGivesItsGraphHyperparametersPresetsAndMasks() {
        StrataModel m = StrataModels.load(models().resolve("gpt2.strata"), "tiny", Map.of("layers", "1"));
        assertEquals(1, m.hyper("layers", -1));
        assertTrue(StrataModels.presets(models().resolve("gpt2.strata")).contains("tiny"));
        assertEquals(1, m.masks().size(), m.masks().toString());
        MaskAssertions.assertCausal(m.masks().getFirst());
    }

    @Test void aMaskOfAFileByNameReadsItsDataByTheParametersNames() {
        Mask padding = Masks.of(models().resolve("masks.strata"), "kbert");
        assertEquals(List.of("branch", "anchor"), List.copyOf(padding.data().keySet()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> padding.at(4));
        assertTrue(e.getMessage().contains("reads `branch: i32[B, T]`"), e.getMessage());
    }

    @Test void ranksArePermutationsAndLengthsStayInOneToT() {
        qt().forAll(Generators.sizes(3, 20).flatMap(s -> Generators.ranks(s.b(), s.t()).zip(Generators.lengths(s.b(), s.t()), (r, l) -> new Object[] {s, r, l})))
                .checkAssert(x -> {
                    Generators.Sizes s = (Generators.Sizes) x[0];
                    double[] r = ((strata.compiler.interp.RefTensor) x[1]).toArray(), l = ((strata.compiler.interp.RefTensor) x[2]).toArray();
                    for (int b = 0; b < s.b(); b++) {
                        double[] row = Arrays.copyOfRange(r, b * s.t(), (b + 1) * s.t());
                        Arrays.sort(row);
                        for (int i = 0; i < s.t(); i++) assertEquals(i, row[i]);
                        assertTrue(l[b] >= 1 && l[b] <= s.t());
                    }
                });
    }
}
