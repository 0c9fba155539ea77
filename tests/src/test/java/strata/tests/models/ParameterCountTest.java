package strata.tests.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import strata.compiler.front.ModelReport;
import strata.tests.ModelFiles;

/** The published parameter counts of the reference configurations, computed without running anything. */
class ParameterCountTest {
    @ParameterizedTest(name = "{0} --preset {1} has {2} parameters")
    @CsvSource({
            "gpt2.strata, small, 124439808",
            "llama.strata, 7b, 6738415616",
            // Hugging Face BertModel (with the pooler) and BertForPreTraining, bert-base-uncased
            "bert.strata, base, 109482240",
            "bert_pretraining.strata, base, 110106428",
            // Hugging Face AlbertModel, albert-base-v2 (with the pooler)
            "albert.strata, base, 11683584",
            // Hugging Face AlbertForPreTraining, albert-base-v2: + MLM head (H->E, LayerNorm, bias) + SOP
            "albert_pretraining.strata, base, 11813810",
            // Hugging Face T5ForConditionalGeneration, t5-small (tied embeddings)
            "t5.strata, small, 60506624",
    })
    void referencePresetsHaveThePublishedParameterCounts(String file, String preset, long expected) {
        var b = ModelFiles.build(ModelFiles.models().resolve(file), preset, Map.of());
        assertFalse(b.diagnostics().hasErrors(), b.rendered());
        assertEquals(expected, ModelReport.of(b.result()).parameters());
        assertEquals(expected, b.graph().parameterCount());
    }
}
