package strata.runtime.data.objectives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import strata.runtime.Tensor;
import strata.runtime.train.Batches;

/** The objectives' batches carry the models' input names and shapes, and batch n is the same whenever it is asked for. */
class PretrainingBatchesTest {
    static final int[] TRAIN = IntStream.range(0, 3000).map(i -> (i * 7) % 65).toArray(), VAL = Arrays.copyOf(TRAIN, 500);

    static double[] values(Tensor t) { return t.toRef().toArray(); }

    static void check(Batches b, Map<String, long[]> shapes) {
        try (Arena a = Arena.ofConfined()) {
            Map<String, Tensor> x = b.train(5, a), y = b.train(5, a), v = b.validation(0, a);
            assertEquals(shapes.keySet(), x.keySet());
            boolean differs = false;
            for (var e : shapes.entrySet()) {
                assertArrayEquals(e.getValue(), x.get(e.getKey()).shape(), e.getKey());
                assertArrayEquals(values(x.get(e.getKey())), values(y.get(e.getKey())), e.getKey() + " is a pure function of the step");
                differs |= !Arrays.equals(values(x.get(e.getKey())), values(v.get(e.getKey())));
            }
            assertFalse(!differs, "validation batches are not training batches");
        }
    }

    @Test
    void bertBatchesHaveTheInputsOfBertForPreTraining() {
        Vocabulary v = Vocabulary.appended(65, List.of(Vocabulary.CLS, Vocabulary.SEP, Vocabulary.MASK, Vocabulary.PAD), 0);
        check(PretrainingBatches.bert(TRAIN, VAL, SentencePairs.nsp(v), MaskedLm.bert(v), 4, 32, 9),
                Map.of("tokens", new long[] {4, 32}, "segments", new long[] {4, 32}, "mlm_labels", new long[] {4, 32}, "len", new long[] {4}, "nsp_labels", new long[] {4}));
        assertEquals(Set.of("tokens", "segments", "mlm_labels", "len", "sop_labels"),
                PretrainingBatches.bert(TRAIN, VAL, SentencePairs.sop(v), MaskedLm.bert(v), 4, 32, 9).train(0, Arena.ofAuto()).keySet());
    }

    @Test
    void t5BatchesHaveTheInputsOfT5() {
        Vocabulary v = Vocabulary.appended(65, List.of(Vocabulary.PAD, Vocabulary.EOS), 16);
        SpanCorruption sc = SpanCorruption.t5(v);
        check(PretrainingBatches.t5(TRAIN, VAL, sc, 3, 48, 9), Map.of("src", new long[] {3, sc.inputLength(48)}, "src_len", new long[] {3},
                "tgt", new long[] {3, sc.targetLength(48)}, "labels", new long[] {3, sc.targetLength(48)}));
    }

    @Test
    void glmBatchesHaveTheInputsOfGlm() {
        Vocabulary v = Vocabulary.appended(65, List.of(Vocabulary.MASK, Vocabulary.START, Vocabulary.END, Vocabulary.PAD), 0);
        BlankInfilling bi = BlankInfilling.glm(v);
        long t = bi.maxLength(48);
        check(PretrainingBatches.glm(TRAIN, VAL, bi, 3, 48, 9), Map.of("tokens", new long[] {3, t}, "positions", new long[] {3, t},
                "block_positions", new long[] {3, t}, "targets", new long[] {3, t}, "prefix", new long[] {3}));
    }
}
