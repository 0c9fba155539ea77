package strata.runtime.data.objectives;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import strata.compiler.graph.DType;
import strata.runtime.Tensor;
import strata.runtime.train.Batches;

/**
 * The objectives as {@link Batches} over a token stream (a {@link strata.runtime.data.TextDataset}'s
 * splits), named as the models' inputs and losses name them: bert_pretraining.strata and
 * albert_pretraining.strata (MLM with NSP or SOP), t5.strata (span corruption), glm.strata (blank
 * infilling). Row r of training batch s is the transform of a window drawn from (seed, s, r); validation
 * batch i uses the counter -1 - i on the validation split, so evaluations see the same batches.
 */
public final class PretrainingBatches {
    private PretrainingBatches() {}

    private static final int TAG = 6;

    /** One example: its sequences ([T] each) and its per-sample numbers. */
    private record Row(Map<String, int[]> sequences, Map<String, Integer> scalars) {}

    @FunctionalInterface
    private interface Rows { Row make(int[] stream, long counter, int row); }

    private record Source(int[] train, int[] val, int batch, long tokens, Rows rows) implements Batches {
        @Override public Map<String, Tensor> train(long step, Arena arena) { return stack(train, step, arena); }

        @Override public Map<String, Tensor> validation(long index, Arena arena) { return stack(val, -1 - index, arena); }

        @Override public long tokensPerBatch() { return tokens; }

        private Map<String, Tensor> stack(int[] stream, long counter, Arena arena) {
            Row[] rows = new Row[batch];
            for (int r = 0; r < batch; r++) rows[r] = rows().make(stream, counter, r);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String name : rows[0].sequences().keySet()) {
                int t = rows[0].sequences().get(name).length;
                int[] all = new int[batch * t];
                for (int r = 0; r < batch; r++) System.arraycopy(rows[r].sequences().get(name), 0, all, r * t, t);
                out.put(name, tensor(arena, all, batch, t));
            }
            for (String name : rows[0].scalars().keySet()) {
                int[] all = new int[batch];
                for (int r = 0; r < batch; r++) all[r] = rows[r].scalars().get(name);
                out.put(name, tensor(arena, all, batch));
            }
            return out;
        }
    }

    private static Tensor tensor(Arena arena, int[] ids, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.I32, shape);
        t.data().copyFrom(MemorySegment.ofArray(ids));
        return t;
    }

    /** A window of {@code n} tokens of the stream, its start drawn from (seed, counter, row). */
    private static int[] window(int[] stream, int n, long seed, long counter, int row) {
        if (stream.length < n) throw new IllegalArgumentException("a stream of " + stream.length + " tokens is too short for windows of " + n);
        int start = Draws.of(seed, TAG, counter, row).below(stream.length - n + 1);
        return java.util.Arrays.copyOfRange(stream, start, start + n);
    }

    /**
     * BERT (or ALBERT) pre-training batches of {@code [batch, block]}: inputs tokens, segments, len,
     * and the loss's mlm_labels with nsp_labels (NSP) or sop_labels (SOP).
     */
    public static Batches bert(int[] train, int[] val, SentencePairs pairs, MaskedLm mlm, int batch, int block, long seed) {
        String label = pairs.task() == SentencePairs.Task.NSP ? "nsp_labels" : "sop_labels";
        return new Source(train, val, batch, (long) batch * block, (stream, counter, row) -> {
            SentencePairs.Pair p = pairs.apply(stream, block, seed, counter, row);
            MaskedLm.Masked m = mlm.apply(p.tokens(), seed, counter, row);
            Map<String, int[]> seq = new LinkedHashMap<>();
            seq.put("tokens", m.tokens());
            seq.put("segments", p.segments());
            seq.put("mlm_labels", m.labels());
            return new Row(seq, Map.of("len", p.length(), label, p.label()));
        });
    }

    /**
     * T5 span-corruption batches from windows of {@code n} tokens: src [batch, S] with src_len, tgt
     * (the target shifted right behind [PAD], T5's decoder start) and labels [batch, T], where S and T
     * are fixed by n.
     */
    public static Batches t5(int[] train, int[] val, SpanCorruption corruption, int batch, int n, long seed) {
        int start = corruption.vocab().id(Vocabulary.PAD);
        return new Source(train, val, batch, (long) batch * corruption.inputLength(n), (stream, counter, row) -> {
            SpanCorruption.Corrupted c = corruption.apply(window(stream, n, seed, counter, row), seed, counter, row);
            Map<String, int[]> seq = new LinkedHashMap<>();
            seq.put("src", c.input());
            seq.put("tgt", SpanCorruption.shiftRight(c.target(), start));
            seq.put("labels", c.target());
            return new Row(seq, Map.of("src_len", c.input().length));
        });
    }

    /** GLM blank-infilling batches from windows of {@code n} tokens, padded to {@link BlankInfilling#maxLength}. */
    public static Batches glm(int[] train, int[] val, BlankInfilling infilling, int batch, int n, long seed) {
        int length = infilling.maxLength(n);
        return new Source(train, val, batch, (long) batch * length, (stream, counter, row) -> {
            BlankInfilling.Infilled x = infilling.padded(infilling.apply(window(stream, n, seed, counter, row), seed, counter, row), length);
            Map<String, int[]> seq = new LinkedHashMap<>();
            seq.put("tokens", x.tokens());
            seq.put("positions", x.positions());
            seq.put("block_positions", x.blockPositions());
            seq.put("targets", x.targets());
            return new Row(seq, Map.of("prefix", x.prefix()));
        });
    }
}
