package strata.tests.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Graph;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.tests.ModelFiles;

/** Every model's tiny preset runs forward through the reference interpreter with finite results. */
class TinyForwardTest {
    static List<String> files() { return ModelFiles.modelFiles(); }

    @ParameterizedTest
    @MethodSource("files")
    void tinyPresetRunsForwardWithFiniteOutputsOfTheInferredShape(String file) {
        var b = ModelFiles.build(ModelFiles.models().resolve(file), "tiny", Map.of());
        assertFalse(b.diagnostics().hasErrors(), b.rendered());
        Graph g = b.graph();
        Map<String, Long> syms = Map.of("B", 2L, "T", 5L);
        var inputs = ModelFiles.randomInputs(g, syms, 16, 1);
        List<RefTensor> out = new Interpreter().run(g, inputs, ModelFiles.randomParams(g, 2));
        for (int i = 0; i < out.size(); i++) {
            long[] expected = g.outputs().get(i).type().concreteShape(syms);
            assertArrayEquals(expected, out.get(i).shape());
            for (double v : out.get(i).toArray()) assertTrue(Double.isFinite(v), "non-finite output in " + file);
        }
    }
}
