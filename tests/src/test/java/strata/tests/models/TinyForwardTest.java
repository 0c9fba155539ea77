package strata.tests.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.tests.ModelFiles;

/** Every model's tiny preset runs forward through the reference interpreter with finite results. */
public class TinyForwardTest {
    /** The batch, and sequence lengths that differ, so that a mixed-up axis fails to broadcast. */
    public static final Map<String, Long> SYMBOLS = Map.of("B", 2L, "T", 5L, "S", 7L, "P", 6L, "C", 8L);
    /** The shortest sequence, the most a per-sample length may be. */
    static final long SHORTEST = 5;

    /**
     * The values an integer input takes, [lo, hi): token and position ids below 16 (every tiny
     * vocabulary and block is at least that); a per-sample length or prefix (an input of shape
     * [B]) at least 1 and at most the shortest sequence, so that every query sees a key;
     * ids from small vocabularies below their size.
     */
    public static long[] range(Op input) {
        String name = input.strAttr("name", "");
        if (input.type().rank() == 1) return new long[] {1, SHORTEST + 1};
        return switch (name) {
            case "segments" -> new long[] {0, 2};   // BERT's sentence A / B
            case "attrs" -> new long[] {0, 4};      // the persona model's attribute fields
            default -> new long[] {0, 16};
        };
    }
    static List<String> files() { return ModelFiles.modelFiles(); }

    @ParameterizedTest
    @MethodSource("files")
    void tinyPresetRunsForwardWithFiniteOutputsOfTheInferredShape(String file) {
        var b = ModelFiles.build(ModelFiles.models().resolve(file), "tiny", Map.of());
        assertFalse(b.diagnostics().hasErrors(), b.rendered());
        Graph g = b.graph();
        var inputs = ModelFiles.randomInputs(g, SYMBOLS, TinyForwardTest::range, 1);
        List<RefTensor> out = new Interpreter().run(g, inputs, ModelFiles.randomParams(g, 2));
        for (int i = 0; i < out.size(); i++) {
            long[] expected = g.outputs().get(i).type().concreteShape(SYMBOLS);
            assertArrayEquals(expected, out.get(i).shape());
            for (double v : out.get(i).toArray()) assertTrue(Double.isFinite(v), "non-finite output in " + file);
        }
    }
}
