package strata.tests.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.Value;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.tests.ModelFiles;

/**
 * Whole-model gradients: for every model file's tiny preset, with random weights and inputs, the
 * gradient of a random linear functional of the float outputs agrees with finite differences of
 * the interpreter on 20 random parameter elements per model (tolerance of {@link GradientCheck}).
 * Parameters a score modifier reads (T5's relative-bias tables) are trained too: their gradients
 * go through the lifted score region (see ScoreCaptures).
 */
class ModelGradientTest {
    static final Map<String, Long> SYMBOLS = Map.of("B", 2L, "T", 4L, "S", 5L, "P", 4L, "C", 6L);

    static List<String> files() { return ModelFiles.modelFiles(); }

    static long[] range(Op input) {
        String name = input.strAttr("name", "");
        if (input.type().rank() == 1) return new long[] {1, 5};
        return switch (name) {
            case "segments" -> new long[] {0, 2};
            case "attrs" -> new long[] {0, 4};
            default -> new long[] {0, 16};
        };
    }

    @ParameterizedTest
    @MethodSource("files")
    void tinyModelGradientsMatchFiniteDifferences(String file) {
        var built = ModelFiles.build(ModelFiles.models().resolve(file), "tiny", Map.of());
        assertFalse(built.diagnostics().hasErrors(), built.rendered());
        Graph g = built.graph();
        Random r = new Random(file.hashCode());
        var inputs = ModelFiles.randomInputs(g, SYMBOLS, ModelGradientTest::range, 1);
        Map<String, RefTensor> params = ModelFiles.randomParams(g, 2);
        List<Value> outs = new ArrayList<>();
        for (Value o : g.outputs()) if (o.type().dtype().isFloat()) outs.add(o);
        GradientCheck.assertMatches(g, outs, inputs, new HashMap<>(params), SYMBOLS, Interpreter.inference(), r, 20);
    }

    /**
     * T5 tiny's relative-bias tables, which the encoder's and decoder's score regions read at
     * (bucket(k - q), h): every element of both tables matches finite differences (20 random
     * samples over the whole model would rarely land in them).
     */
    @Test
    void t5RelativeBiasTablesMatchFiniteDifferencesEverywhere() {
        var built = ModelFiles.build(ModelFiles.models().resolve("t5.strata"), "tiny", Map.of());
        assertFalse(built.diagnostics().hasErrors(), built.rendered());
        Graph g = built.graph();
        Set<String> tables = new HashSet<>();
        for (Op p : g.params()) if (p.strAttr("name", "").contains("bias")) tables.add(p.strAttr("name", ""));
        assertEquals(Set.of("enc_bias.weight", "dec_bias.weight"), tables);
        var inputs = ModelFiles.randomInputs(g, SYMBOLS, ModelGradientTest::range, 3);
        Map<String, RefTensor> params = ModelFiles.randomParams(g, 4);
        List<Value> outs = new ArrayList<>();
        for (Value o : g.outputs()) if (o.type().dtype().isFloat()) outs.add(o);
        GradientCheck.assertMatches(g, outs, inputs, new HashMap<>(params), SYMBOLS, Interpreter.inference(), new Random(5), 0, tables::contains);
    }
}
