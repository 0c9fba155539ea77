package strata.tests.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static strata.tests.checkpoint.HfFixtures.at;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.runtime.Tensor;
import strata.runtime.checkpoint.Checkpoint;
import strata.runtime.checkpoint.hf.HfFamily;
import strata.runtime.checkpoint.hf.HfMapping;
import strata.runtime.checkpoint.hf.HfMappingException;

/** The GPT-2 and BERT tables move each tensor to the right place, in the right layout, and say what does not fit. */
public class HfMappingTest {

    static void assertSameBits(Map<String, Tensor> want, Map<String, Tensor> got) {
        assertEquals(want.keySet(), got.keySet());
        for (String n : want.keySet()) {
            Tensor a = want.get(n), b = got.get(n);
            assertArrayEquals(a.shape(), b.shape(), n);
            long bytes = a.numel() * 4;
            assertEquals(-1, java.lang.foreign.MemorySegment.mismatch(a.data(), 0, bytes, b.data(), 0, bytes), n + " differs");
        }
    }

    @Test
    void exportThenImportGivesTheSameBitsForAnyGpt2OrBertSize() {
        qt().withExamples(12).forAll(longs().all(), integers().between(1, 3), integers().between(1, 3), integers().between(0, 2)).checkAssert((seed, layers, heads, which) -> {
            String file = new String[] {"gpt2.strata", "bert.strata", "bert_pretraining.strata"}[which];
            HfFamily family = which == 0 ? HfFamily.GPT2 : HfFamily.BERT;
            Graph g = HfFixtures.model(file, "tiny", Map.of("layers", "" + layers, "heads", "" + heads, "d", "" + 4 * heads));
            try (Arena a = Arena.ofConfined()) {
                Map<String, Tensor> params = HfFixtures.randomParams(a, g, seed);
                Map<String, Tensor> hf = HfMapping.toHf(family, params, a);
                Map<String, Tensor> back = HfMapping.toStrata(family, new Checkpoint(hf, Map.of()), HfFixtures.shapes(g), a);
                assertSameBits(params, back);
            } catch (HfMappingException e) {
                throw new AssertionError(e.getMessage(), e);
            }
        });
    }

    @Test
    void gpt2FusedAttentionSplitsIntoQueryKeyValueEachTransposed() throws Exception {
        Graph g = HfFixtures.model("gpt2.strata", "tiny", Map.of());
        int d = 32;
        try (Arena a = Arena.ofConfined()) {
            Map<String, Tensor> hf = HfFixtures.gpt2(a, 1, 64, 16, d, 2);
            // c_attn.weight[i, j] = 1000 i + j and its bias[j] = j: every element names its place
            Tensor w = hf.get("h.1.attn.c_attn.weight"), b = hf.get("h.1.attn.c_attn.bias");
            for (long i = 0; i < d; i++) for (long j = 0; j < 3 * d; j++) w.set(i * 3 * d + j, 1000 * i + j);
            for (long j = 0; j < 3 * d; j++) b.set(j, j);
            Map<String, Tensor> p = HfMapping.toStrata(HfFamily.GPT2, new Checkpoint(hf, Map.of()), HfFixtures.shapes(g), a);
            // Linear's weight is [out, in]: q_proj.weight[o, i] = c_attn.weight[i, o], k's from columns d.., v's from 2d..
            assertEquals(1000 * 5 + 3, at(p.get("h.1.attn.q_proj.weight"), 3, 5));
            assertEquals(1000 * 5 + d + 3, at(p.get("h.1.attn.k_proj.weight"), 3, 5));
            assertEquals(1000 * 31 + 2 * d + 0, at(p.get("h.1.attn.v_proj.weight"), 0, 31));
            assertEquals(1000 * 0 + 2 * d + 31, at(p.get("h.1.attn.v_proj.weight"), 31, 0));
            assertEquals(d + 7, p.get("h.1.attn.k_proj.b").get(7));
            assertEquals(2 * d + 31, p.get("h.1.attn.v_proj.b").get(31));
            // c_fc is [d, 4d] in Conv1D's layout and up.weight [4d, d]
            assertArrayEquals(new long[] {4 * d, d}, p.get("h.0.ffn.up.weight").shape());
            assertEquals(at(hf.get("h.0.mlp.c_fc.weight"), 6, 100), at(p.get("h.0.ffn.up.weight"), 100, 6));
            assertEquals(at(hf.get("h.0.mlp.c_proj.weight"), 100, 6), at(p.get("h.0.ffn.down.weight"), 6, 100));
            assertEquals(at(hf.get("h.0.attn.c_proj.weight"), 2, 9), at(p.get("h.0.attn.o_proj.weight"), 9, 2));
            // the pre-norm blocks' first LayerNorm is ln_1, the second ln_2, the last ln_f
            assertEquals(hf.get("h.1.ln_1.weight").get(4), p.get("h.1.norm.gain").get(4));
            assertEquals(hf.get("h.1.ln_2.bias").get(4), p.get("h.1.norm_1.b").get(4));
            assertEquals(hf.get("ln_f.weight").get(4), p.get("norm.gain").get(4));
            assertEquals(hf.get("wpe.weight").get(40), p.get("pos.weight").get(40));
        }
    }

    @Test
    void gpt2ReadsTheTransformerPrefixATiedLmHeadAndSkipsTheOldMaskBuffers() throws Exception {
        Graph g = HfFixtures.model("gpt2.strata", "tiny", Map.of());
        try (Arena a = Arena.ofConfined()) {
            Map<String, Tensor> plain = HfFixtures.gpt2(a, 2, 64, 16, 32, 2);
            Map<String, Tensor> saved = new LinkedHashMap<>();
            plain.forEach((n, t) -> saved.put("transformer." + n, t));
            saved.put("lm_head.weight", plain.get("wte.weight"));
            saved.put("transformer.h.0.attn.bias", Tensor.allocate(a, DType.F32, 1, 1, 16, 16));
            saved.put("transformer.h.1.attn.masked_bias", Tensor.allocate(a, DType.F32));
            Map<String, Tensor> p = HfMapping.toStrata(HfFamily.GPT2, new Checkpoint(saved, Map.of()), HfFixtures.shapes(g), a);
            assertSameBits(HfMapping.toStrata(HfFamily.GPT2, new Checkpoint(plain, Map.of()), HfFixtures.shapes(g), a), p);
            assertEquals(HfFamily.GPT2, HfFamily.detect(saved.keySet()));
        }
    }

    /** BertForPreTraining's names from modeling_bert.py, with gamma and beta as the original conversion spelled LayerNorm's weight and bias. */
    @Test
    void bertForPreTrainingNamesMapWithTheirPrefixHeadsAndOldSpellings() throws Exception {
        Graph g = HfFixtures.model("bert_pretraining.strata", "tiny", Map.of());
        try (Arena a = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(3);
            Map<String, Tensor> hf = new LinkedHashMap<>();
            java.util.function.BiConsumer<String, long[]> put = (n, s) -> hf.put(n, HfFixtures.normal(a, rnd, 1, s));
            put.accept("bert.embeddings.word_embeddings.weight", new long[] {64, 32});
            put.accept("bert.embeddings.position_embeddings.weight", new long[] {16, 32});
            put.accept("bert.embeddings.token_type_embeddings.weight", new long[] {2, 32});
            put.accept("bert.embeddings.LayerNorm.gamma", new long[] {32});
            put.accept("bert.embeddings.LayerNorm.beta", new long[] {32});
            for (int i = 0; i < 2; i++) {
                String l = "bert.encoder.layer." + i + ".";
                for (String lin : new String[] {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"}) {
                    put.accept(l + lin + ".weight", new long[] {32, 32});
                    put.accept(l + lin + ".bias", new long[] {32});
                }
                put.accept(l + "attention.output.LayerNorm.weight", new long[] {32});
                put.accept(l + "attention.output.LayerNorm.bias", new long[] {32});
                put.accept(l + "intermediate.dense.weight", new long[] {128, 32});
                put.accept(l + "intermediate.dense.bias", new long[] {128});
                put.accept(l + "output.dense.weight", new long[] {32, 128});
                put.accept(l + "output.dense.bias", new long[] {32});
                put.accept(l + "output.LayerNorm.weight", new long[] {32});
                put.accept(l + "output.LayerNorm.bias", new long[] {32});
            }
            put.accept("bert.pooler.dense.weight", new long[] {32, 32});
            put.accept("bert.pooler.dense.bias", new long[] {32});
            put.accept("cls.predictions.transform.dense.weight", new long[] {32, 32});
            put.accept("cls.predictions.transform.dense.bias", new long[] {32});
            put.accept("cls.predictions.transform.LayerNorm.weight", new long[] {32});
            put.accept("cls.predictions.transform.LayerNorm.bias", new long[] {32});
            put.accept("cls.predictions.bias", new long[] {64});
            hf.put("cls.predictions.decoder.weight", hf.get("bert.embeddings.word_embeddings.weight"));
            hf.put("cls.predictions.decoder.bias", hf.get("cls.predictions.bias"));
            put.accept("cls.seq_relationship.weight", new long[] {2, 32});
            put.accept("cls.seq_relationship.bias", new long[] {2});
            hf.put("bert.embeddings.position_ids", Tensor.allocate(a, DType.I64, 1, 16));

            Map<String, Tensor> p = HfMapping.toStrata(HfFamily.BERT, new Checkpoint(hf, Map.of()), HfFixtures.shapes(g), a);
            // nn.Linear is [out, in] on both sides: no transpose
            assertEquals(at(hf.get("bert.encoder.layer.1.attention.self.key.weight"), 3, 30), at(p.get("h.1.attn.k_proj.weight"), 3, 30));
            assertEquals(at(hf.get("bert.encoder.layer.0.intermediate.dense.weight"), 100, 1), at(p.get("h.0.ffn.up.weight"), 100, 1));
            // post-norm: the LayerNorm after attention is the block's first, the one after the FFN its second
            assertEquals(hf.get("bert.encoder.layer.1.attention.output.LayerNorm.weight").get(5), p.get("h.1.norm.gain").get(5));
            assertEquals(hf.get("bert.encoder.layer.1.output.LayerNorm.bias").get(5), p.get("h.1.norm_1.b").get(5));
            assertEquals(hf.get("bert.embeddings.LayerNorm.gamma").get(5), p.get("emb_norm.gain").get(5));
            assertEquals(hf.get("bert.embeddings.token_type_embeddings.weight").get(40), p.get("segment.weight").get(40));
            assertEquals(hf.get("cls.predictions.bias").get(63), p.get("mlm_bias.b").get(63));
            assertEquals(at(hf.get("cls.seq_relationship.weight"), 1, 31), at(p.get("nsp.weight"), 1, 31));
            // and back: the encoder under bert., the heads without it, the tied decoder left out
            Map<String, Tensor> out = HfMapping.toHf(HfFamily.BERT, p, a);
            assertTrue(out.containsKey("bert.embeddings.LayerNorm.weight") && out.containsKey("cls.predictions.bias"), out.keySet().toString());
            assertFalse(out.containsKey("cls.predictions.decoder.weight"));
            assertEquals(hf.size() - 3, out.size()); // less the two tied copies and position_ids
        }
    }

    static HfMappingException importFails(Map<String, Tensor> hf, Graph g, Arena a) {
        return assertThrows(HfMappingException.class, () -> HfMapping.toStrata(HfFamily.GPT2, new Checkpoint(hf, Map.of()), HfFixtures.shapes(g), a));
    }

    @Test
    void missingAndExtraTensorsAreNamed() {
        Graph g = HfFixtures.model("gpt2.strata", "tiny", Map.of());
        try (Arena a = Arena.ofConfined()) {
            Map<String, Tensor> hf = HfFixtures.gpt2(a, 4, 64, 16, 32, 3); // one layer more than tiny's two
            hf.remove("h.1.ln_2.bias");
            HfMappingException e = importFails(hf, g, a);
            assertTrue(e.getMessage().contains("missing: `h.1.ln_2.bias` (for h.1.norm_1.b)"), e.getMessage());
            assertTrue(e.getMessage().contains("unused: the file's `h.2.attn.c_attn.weight` f32[32, 96]"), e.getMessage());
            assertTrue(e.getMessage().contains("--set layers=3"), e.getMessage());
            assertEquals(1 + 12, e.problems().size(), e.problems().toString()); // the missing bias and layer 2's twelve tensors
        }
    }

    @Test
    void shapeMismatchSaysExpectedAndFoundAndWhichSetsFit() {
        Graph g = HfFixtures.model("gpt2.strata", "tiny", Map.of());
        try (Arena a = Arena.ofConfined()) {
            HfMappingException e = importFails(HfFixtures.gpt2(a, 5, 100, 24, 16, 2), g, a);
            assertTrue(e.getMessage().contains("shape: `h.0.attn.c_attn.weight` is f32[16, 48], but h.0.attn.q_proj.weight, h.0.attn.k_proj.weight, h.0.attn.v_proj.weight need [32, 96]"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("--set vocab=100 --set block=24 --set d=16 --set layers=2"), e.getMessage());
        }
    }

    @Test
    void aLmHeadThatIsNotTheEmbeddingIsRefusedBecauseStrataTiesThem() {
        Graph g = HfFixtures.model("gpt2.strata", "tiny", Map.of());
        try (Arena a = Arena.ofConfined()) {
            Map<String, Tensor> hf = HfFixtures.gpt2(a, 6, 64, 16, 32, 2);
            hf.put("lm_head.weight", HfFixtures.normal(a, new SplittableRandom(1), 1, 64, 32));
            assertTrue(importFails(hf, g, a).getMessage().contains("tied: `lm_head.weight` differs"));
        }
    }

    @Test
    void aModelOutsideTheFamilyIsRefusedNamingItsParameters() {
        Graph g = HfFixtures.model("llama.strata", "tiny", Map.of());
        try (Arena a = Arena.ofConfined()) {
            HfMappingException e = assertThrows(HfMappingException.class, () -> HfMapping.toHf(HfFamily.GPT2, HfFixtures.randomParams(a, g, 1), a));
            assertTrue(e.getMessage().contains("unmapped: `h.0.ffn.gate.weight`"), e.getMessage());
        }
    }

    @Test
    void bf16WeightsAreWidenedExactlyBeforeTheyMove() throws Exception {
        Graph g = HfFixtures.model("gpt2.strata", "tiny", Map.of());
        try (Arena a = Arena.ofConfined()) {
            Map<String, Tensor> hf = HfFixtures.gpt2(a, 9, 64, 16, 32, 2);
            Tensor f32 = hf.get("h.0.attn.c_attn.weight"), bf16 = Tensor.allocate(a, DType.BF16, f32.shape());
            // bf16 is the top half of an f32's bits (Checkpoint.f32)
            for (long i = 0; i < f32.numel(); i++)
                bf16.data().setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, i, (short) (Float.floatToRawIntBits((float) f32.get(i)) >>> 16));
            hf.put("h.0.attn.c_attn.weight", bf16);
            Map<String, Tensor> p = HfMapping.toStrata(HfFamily.GPT2, new Checkpoint(hf, Map.of()), HfFixtures.shapes(g), a);
            float want = Float.intBitsToFloat(Float.floatToRawIntBits(at(f32, 7, 32 + 9)) & 0xffff0000);
            assertEquals(want, at(p.get("h.0.attn.k_proj.weight"), 9, 7));
            assertEquals(DType.F32, p.get("h.0.attn.k_proj.weight").dtype());
        }
    }
}
