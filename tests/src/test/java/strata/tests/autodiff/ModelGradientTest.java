package strata.tests.autodiff;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.Value;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.tests.ModelFiles;

/**
 * Whole-model gradients: for every model file's tiny preset, with random weights and inputs, the
 * gradient of a random linear functional of the float outputs agrees with finite differences of
 * the interpreter on 20 random parameter elements per model (tolerance of {@link GradientCheck}).
 * Parameters a score modifier reads (T5's relative-bias tables) are frozen: autodiff refuses them
 * (gradients through region captures are not supported yet).
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
        Set<String> captured = capturedParams(g);
        GradientCheck.assertMatches(g, outs, inputs, new HashMap<>(params), SYMBOLS, Interpreter.inference(), r, 20, name -> !captured.contains(name));
    }

    /** Names of parameters that attention regions read (directly or through ops outside the region). */
    static Set<String> capturedParams(Graph g) {
        Map<Integer, Op> producers = new HashMap<>();
        for (Op op : g.ops()) producers.put(op.result().id(), op);
        Set<String> out = new HashSet<>();
        for (Op op : g.ops())
            for (Region region : op.regions())
                for (Op inner : region.ops())
                    for (Value v : inner.operands()) collectParams(producers.get(v.id()), producers, out);
        return out;
    }

    private static void collectParams(Op op, Map<Integer, Op> producers, Set<String> out) {
        if (op == null) return;
        if (op.kind() == OpKind.PARAM) out.add(op.strAttr("name", ""));
        for (Value v : op.operands()) collectParams(producers.get(v.id()), producers, out);
    }
}
