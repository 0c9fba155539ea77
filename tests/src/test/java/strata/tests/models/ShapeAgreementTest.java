package strata.tests.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import strata.testkit.ModelAssertions;
import strata.tests.ModelFiles;

/**
 * For random valid hyperparameters of every model in the library, the shape that inference gives
 * each value of the graph, evaluated at the batch and length the test chose, is the shape the
 * interpreter computes for it; and the outputs are finite ({@link ModelAssertions#assertShapesHold}).
 */
class ShapeAgreementTest {
    /**
     * The valid {@code --set} values of each model file, as generators. Adding a model to the
     * library is adding its entry here; {@link #everyModelFileHasAHyperparameterGenerator} insists.
     */
    static final Map<String, Gen<Map<String, String>>> HYPERS = Map.of(
            "gpt2.strata", gpt2(),
            "llama.strata", llama(),
            "bert.strata", gpt2(),
            "bert_pretraining.strata", gpt2(),
            "albert.strata", albert(),
            "albert_pretraining.strata", albert(),
            "glm.strata", gpt2(),
            "persona.strata", gpt2(),
            "t5.strata", t5());

    /** ALBERT: GPT-2's ranges and a factorized embedding size E of its own. */
    static Gen<Map<String, String>> albert() {
        return gpt2().zip(integers().between(2, 12), (s, e) -> with(s, "e_dim", "" + e));
    }

    /** T5: heads of d_kv each (not d / heads), a small FFN, few buckets over a short distance. */
    static Gen<Map<String, String>> t5() {
        return gpt2().zip(Generate.pick(List.of(2, 4, 8)), integers().between(4, 24), Generate.pick(List.of(4, 6, 8)),
                (s, dkv, ff, buckets) -> {
                    Map<String, String> out = with(s, "d_kv", "" + dkv);
                    out = with(out, "d_ff", "" + ff);
                    out = with(out, "buckets", "" + buckets);
                    out.remove("block");
                    return with(out, "max_distance", "" + (buckets + 4));
                });
    }

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
        // the tiny preset or the written defaults, under random --set values; token-type and
        // attribute ids have vocabularies of their own
        ModelAssertions.Inputs inputs = ModelAssertions.Inputs.defaults().with("segments", 0, 2).with("attrs", 0, 4);
        ModelAssertions.assertShapesHold(ModelFiles.models().resolve(file), List.of("tiny", ""), HYPERS.get(file), inputs, 25);
    }
}
