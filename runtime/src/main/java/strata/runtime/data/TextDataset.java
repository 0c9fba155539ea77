package strata.runtime.data;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import strata.compiler.graph.DType;
import strata.runtime.Tensor;
import strata.runtime.text.CharTokenizer;
import strata.runtime.text.Tokenizer;

/**
 * A language-modelling corpus as nanoGPT prepares its data (data/shakespeare_char/prepare.py and
 * train.py get_batch): the text encoded by a tokenizer (one id per character by default, or
 * byte-level BPE), the first 90% for training and the rest for validation, and batches of random
 * windows x with their targets y, the same windows shifted by one.
 */
public record TextDataset(Tokenizer tokenizer, int[] train, int[] val) {

    public enum Split { TRAIN, VAL }

    /** A batch: x and y are [batch, block] row-major; y[b][t] is the token after x[b][t]. */
    public record Batch(int batch, int block, int[] x, int[] y) {
        public Tensor x(Arena arena) { return tensor(arena, x); }

        public Tensor y(Arena arena) { return tensor(arena, y); }

        private Tensor tensor(Arena arena, int[] ids) {
            Tensor t = Tensor.allocate(arena, DType.I32, batch, block);
            t.data().copyFrom(MemorySegment.ofArray(ids));
            return t;
        }
    }

    public static TextDataset load(Path file) throws IOException { return of(read(file)); }

    /** The text encoded with byte-level BPE trained on its first 90% to {@code vocabSize} tokens (specials: none). */
    public static TextDataset loadBpe(Path file, int vocabSize) throws IOException {
        String text = read(file);
        int cut = (int) (text.length() * 0.9);
        Tokenizer tok = strata.runtime.text.BpeTrainer.train(text.substring(0, cut), vocabSize, java.util.List.of());
        return split(tok, tok.encode(text));
    }

    private static String read(Path file) throws IOException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not UTF-8 text", e);
        }
        return text;
    }

    /** The text's own characters as the vocabulary; the first int(0.9 n) tokens train, the rest validate. */
    public static TextDataset of(String text) {
        CharTokenizer tok = CharTokenizer.fromCorpus(text);
        return split(tok, tok.encode(text));
    }

    private static TextDataset split(Tokenizer tok, int[] ids) {
        int cut = (int) (ids.length * 0.9);
        return new TextDataset(tok, Arrays.copyOfRange(ids, 0, cut), Arrays.copyOfRange(ids, cut, ids.length));
    }

    public int[] tokens(Split split) { return split == Split.TRAIN ? train : val; }

    /**
     * Batch number {@code step} of a run seeded with {@code seed}: row r starts at a position drawn
     * from (seed, split, step, r) alone, uniform over [0, n - block) as torch.randint draws it in
     * nanoGPT, so the batch is the same whenever it is asked for.
     */
    public Batch batch(Split split, long seed, long step, int batchSize, int block) {
        int[] data = tokens(split);
        if (batchSize <= 0 || block <= 0) throw new IllegalArgumentException("batch size and block must be positive, got " + batchSize + " and " + block);
        if (data.length <= block)
            throw new IllegalArgumentException("the " + split.name().toLowerCase() + " split has " + data.length + " tokens, too few for a block of " + block + " and its shifted target");
        int[] x = new int[Math.multiplyExact(batchSize, block)], y = new int[x.length];
        for (int r = 0; r < batchSize; r++) {
            int start = start(split, seed, step, r, block);
            System.arraycopy(data, start, x, r * block, block);
            System.arraycopy(data, start + 1, y, r * block, block);
        }
        return new Batch(batchSize, block, x, y);
    }

    /** Where row {@code row} of batch {@code step} begins in the split's tokens. */
    public int start(Split split, long seed, long step, int row, int block) {
        return (int) CounterRandom.below(tokens(split).length - block, seed, split.ordinal(), step, row);
    }
}
