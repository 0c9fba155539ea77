package strata.tests.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import strata.compiler.front.Val;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.Value;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.tests.ModelFiles;

/**
 * For random valid hyperparameters of every model in the library, the shape that inference gives
 * each value of the graph, evaluated at the batch and length the test chose, is the shape the
 * interpreter computes for it; and the outputs are finite.
 */
class ShapeAgreementTest {
    /**
     * The valid {@code --set} values of each model file, as generators. Adding a model to the
     * library is adding its entry here; {@link #everyModelFileHasAHyperparameterGenerator} insists.
     */
    static final Map<String, Gen<Map<String, String>>> HYPERS = Map.of(
            "gpt2.strata", gpt2(),
            "llama.strata", llama());

    /** GPT-2: d a multiple of heads, small vocabularies and blocks, dropout that inference ignores. */
    static Gen<Map<String, String>> gpt2() {
        Gen<int[]> shape = Generate.pick(List.of(1, 2, 4)).zip(Generate.pick(List.of(2, 4, 8)), (h, hd) -> new int[] {h, h * hd});
        return shape.zip(integers().between(1, 3), integers().between(5, 40), integers().between(4, 12),
                (hd, layers, vocab, block) -> {
                    Map<String, String> s = new LinkedHashMap<>();
                    s.put("layers", "" + layers);
                    s.put("heads", "" + hd[0]);
                    s.put("d", "" + hd[1]);
                    s.put("vocab", "" + vocab);
                    s.put("block", "" + block);
                    return s;
                }).zip(Generate.pick(List.of("0.0", "0.1")), (s, p) -> with(s, "dropout_p", p));
    }

    /** LLaMA: GPT-2's ranges, kv_heads dividing heads, an even head size (rotary pairs), a small or default FFN. */
    static Gen<Map<String, String>> llama() {
        Gen<String> kvFraction = Generate.pick(List.of("1", "2", "4"));
        Gen<String> ffn = Generate.pick(List.of("", "3", "7", "16"));
        return gpt2().zip(kvFraction, ffn, Generate.pick(List.of("10000.0", "500000.0")), (s, div, hidden, base) -> {
            int heads = Integer.parseInt(s.get("heads"));
            Map<String, String> out = with(s, "kv_heads", "" + heads / Math.min(heads, Integer.parseInt(div)));
            out = with(out, "rope_base", base);
            return hidden.isEmpty() ? out : with(out, "ffn_hidden", hidden);
        });
    }

    private static Map<String, String> with(Map<String, String> s, String key, String value) {
        Map<String, String> out = new LinkedHashMap<>(s);
        out.put(key, value);
        return out;
    }

    static List<String> files() { return ModelFiles.modelFiles(); }

    @Test
    void everyModelFileHasAHyperparameterGenerator() {
        assertEquals(Set.copyOf(ModelFiles.modelFiles()), HYPERS.keySet());
    }

    @ParameterizedTest
    @MethodSource("files")
    void inferredShapesAreTheShapesTheInterpreterComputes(String file) {
        qt().withExamples(25).withShrinkCycles(20)
                .forAll(HYPERS.get(file), integers().between(1, 3), integers().between(1, 12))
                .checkAssert((sets, batch, length) -> agree(file, sets, batch, length));
    }

    private static void agree(String file, Map<String, String> sets, int batch, int requestedLength) {
        var built = ModelFiles.build(ModelFiles.models().resolve(file), null, sets);
        String config = file + " --set " + sets;
        assertFalse(built.diagnostics().hasErrors(), () -> config + "\n" + built.rendered());
        Graph g = built.graph();
        long block = built.result().hypers().get("block") instanceof Val.Int b ? b.value() : requestedLength;
        long vocab = built.result().hypers().get("vocab") instanceof Val.Int v ? v.value() : 2;
        Map<String, Long> symbols = Map.of("B", (long) batch, "T", 1 + (requestedLength - 1) % block);
        String where = config + " at " + symbols;
        assertTrue(symbols.keySet().containsAll(g.symbols()), () -> where + ": the graph has symbols " + g.symbols());

        var inputs = ModelFiles.randomInputs(g, symbols, vocab, sets.hashCode());
        Map<Value, RefTensor> values = new Interpreter().evaluate(g, inputs, ModelFiles.randomParams(g, batch));
        assertEquals(g.ops().size(), values.size(), () -> where + ": values evaluated");
        for (Op op : g.ops()) {
            Value v = op.result();
            RefTensor t = values.get(v);
            assertEquals(v.type().dtype(), t.dtype(), () -> where + ": element type of " + v);
            assertArrayEquals(v.type().concreteShape(symbols), t.shape(), () -> where + ": shape of " + op.kind().mnemonic() + " " + v);
        }
        for (Value out : g.outputs())
            for (double x : values.get(out).toArray()) assertTrue(Double.isFinite(x), () -> where + ": non-finite output " + out);
    }
}
