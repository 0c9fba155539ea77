package strata.runtime.data.objectives;

import java.util.Arrays;

/**
 * Sentence pairs for BERT's next-sentence prediction and ALBERT's sentence-order prediction
 * (CATALOGUE T3), cut from a token stream: {@code [CLS] A [SEP] B [SEP]} padded with [PAD] to the
 * block, segment ids 0 over [CLS] A [SEP] and 1 over B [SEP] (0 on padding), the unpadded length
 * and the class label, numbered as Hugging Face's heads read them.
 * <ul>
 *   <li>NSP (Devlin et al. 2019, section 3.1): B is the text that follows A (label 0, IsNext) or,
 *       half the time, a segment from a random place in the stream (label 1, NotNext).
 *   <li>SOP (Lan et al. 2020, ALBERT, section 4.2): A and B are always consecutive; half the time
 *       they are swapped (label 1), else in order (label 0).
 * </ul>
 * As in BERT's create_pretraining_data.py, 10% of pairs are shorter than the block (short_seq_prob),
 * and A ends at a uniform point of the pair's text.
 */
public record SentencePairs(Vocabulary vocab, Task task, double shortShare) {
    private static final int TAG = 2;

    public enum Task { NSP, SOP }

    public record Pair(int[] tokens, int[] segments, int length, int label) {}

    public SentencePairs {
        for (String n : new String[] {Vocabulary.CLS, Vocabulary.SEP, Vocabulary.PAD}) vocab.id(n);
        if (!(shortShare >= 0 && shortShare <= 1)) throw new IllegalArgumentException("the share of short pairs must be in [0, 1], got " + shortShare);
    }

    public static SentencePairs nsp(Vocabulary vocab) { return new SentencePairs(vocab, Task.NSP, 0.1); }

    public static SentencePairs sop(Vocabulary vocab) { return new SentencePairs(vocab, Task.SOP, 0.1); }

    /** Pair number {@code row} of batch {@code step}: a block of {@code block} ids cut from {@code stream}. */
    public Pair apply(int[] stream, int block, long seed, long step, int row) {
        int text = block - 3;
        if (text < 2) throw new IllegalArgumentException("a block of " + block + " leaves no room for two segments between [CLS] and two [SEP]s");
        if (stream.length < 2 * text + 1) throw new IllegalArgumentException("a stream of " + stream.length + " tokens is too short for pairs of " + text);
        Draws d = Draws.of(seed, TAG, step, row);
        int n = d.uniform() < shortShare ? 2 + d.below(text - 1) : text;
        int la = 1 + d.below(n - 1), lb = n - la;
        int start = d.below(stream.length - n + 1);
        int[] a = Arrays.copyOfRange(stream, start, start + la), b = Arrays.copyOfRange(stream, start + la, start + n);
        int label = d.uniform() < 0.5 ? 1 : 0;
        if (label == 1) {
            switch (task) {
                case NSP -> {
                    // a segment from anywhere but A's own continuation (BERT draws another document)
                    int other;
                    do other = d.below(stream.length - lb + 1); while (other == start + la);
                    b = Arrays.copyOfRange(stream, other, other + lb);
                }
                case SOP -> {
                    int[] t = a;
                    a = b;
                    b = t;
                }
            }
        }
        int[] tokens = new int[block], segments = new int[block];
        Arrays.fill(tokens, vocab.id(Vocabulary.PAD));
        int i = 0;
        tokens[i++] = vocab.id(Vocabulary.CLS);
        for (int t : a) tokens[i++] = t;
        tokens[i++] = vocab.id(Vocabulary.SEP);
        int bStart = i;
        for (int t : b) tokens[i++] = t;
        tokens[i++] = vocab.id(Vocabulary.SEP);
        Arrays.fill(segments, bStart, i, 1);
        return new Pair(tokens, segments, i, label);
    }
}
