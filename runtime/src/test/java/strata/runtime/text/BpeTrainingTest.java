package strata.runtime.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import strata.runtime.data.BundledData;

/** BPE trained on the bundled tinyshakespeare: its size, its compression, and that a saved copy encodes the same. */
class BpeTrainingTest {
    @TempDir Path dir;

    static String corpus;
    static BpeTokenizer trained;

    @BeforeAll
    static void train() throws IOException {
        corpus = Files.readString(BundledData.file("tinyshakespeare.txt"), StandardCharsets.UTF_8);
        trained = BpeTrainer.train(corpus, 512, List.of());
    }

    @Test
    void trainingReachesTheAskedVocabularyAndCompresses() {
        int[] ids = trained.encode(corpus);
        double charsPerToken = (double) corpus.length() / ids.length;
        System.out.printf("BPE 512 on tinyshakespeare: %d chars -> %d tokens, %.4f chars per token%n", corpus.length(), ids.length, charsPerToken);
        assertEquals(512, trained.vocabSize());
        assertEquals(256, trained.merges().size());
        assertEquals(corpus, trained.decode(ids));
        // measured when this test was written: 575,345 tokens, 1.9387 characters per token (GPT-2's
        // own 50,257-token vocabulary gives about 3.3); pinned so that a change to training or encoding shows
        assertEquals(575_345, ids.length);
    }

    @Test
    void aSavedTokenizerLoadsAndEncodesIdentically() throws IOException {
        Path f = dir.resolve("tokenizer.json");
        TokenizerJson.save(trained, f);
        Tokenizer loaded = TokenizerJson.load(f);
        assertInstanceOf(BpeTokenizer.class, loaded);
        String sample = corpus.substring(0, 50_000);
        assertArrayEquals(trained.encode(sample), loaded.encode(sample));
        assertEquals(trained.merges(), ((BpeTokenizer) loaded).merges());
        assertEquals(trained.vocab(), ((BpeTokenizer) loaded).vocab());
    }

    @Test
    void trainingIsDeterministicAndKeepsSpecialsWhole() {
        String slice = "[CLS]" + corpus.substring(0, 20_000) + "[SEP][MASK]";
        BpeTokenizer a = BpeTrainer.train(slice, 400, List.of("[CLS]", "[SEP]", "[MASK]"));
        BpeTokenizer b = BpeTrainer.train(slice, 400, List.of("[CLS]", "[SEP]", "[MASK]"));
        assertEquals(a.merges(), b.merges());
        assertEquals(a.vocab(), b.vocab());
        assertEquals(List.of(0, 1, 2), List.of(a.specialToken("[CLS]"), a.specialToken("[SEP]"), a.specialToken("[MASK]")));
        int[] ids = a.encode(slice);
        assertEquals(0, ids[0]);
        assertArrayEquals(new int[] {1, 2}, java.util.Arrays.copyOfRange(ids, ids.length - 2, ids.length));
        for (BpeTokenizer.Merge m : a.merges()) assertTrue(!m.merged().contains("[") || !m.merged().contains("]"), "a merge learned from a special: " + m);
    }

    /**
     * The trainer updates pair counts incrementally; this reference recounts every pair of every
     * piece before each merge, the textbook loop, and must choose the same merges in the same order.
     */
    @Test
    void incrementalCountsChooseTheMergesAFullRecountChooses() {
        String slice = corpus.substring(100_000, 160_000);
        BpeTokenizer fast = BpeTrainer.train(slice, 456, List.of());
        java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        ByteLevel.pieces(slice, false, true, p -> counts.merge(p, 1, Integer::sum));
        List<List<String>> words = new java.util.ArrayList<>();
        List<Integer> freq = new java.util.ArrayList<>();
        counts.forEach((p, c) -> {
            List<String> w = new java.util.ArrayList<>();
            for (char ch : p.toCharArray()) w.add(String.valueOf(ch));
            words.add(w);
            freq.add(c);
        });
        java.util.Set<String> vocab = new java.util.HashSet<>(ByteLevel.alphabet());
        List<BpeTokenizer.Merge> merges = new java.util.ArrayList<>();
        while (vocab.size() < 456) {
            java.util.Map<BpeTokenizer.Merge, Long> pairs = new java.util.HashMap<>();
            for (int i = 0; i < words.size(); i++)
                for (int j = 0; j + 1 < words.get(i).size(); j++) pairs.merge(new BpeTokenizer.Merge(words.get(i).get(j), words.get(i).get(j + 1)), (long) freq.get(i), Long::sum);
            BpeTokenizer.Merge best = pairs.entrySet().stream().filter(e -> e.getValue() >= 2)
                    .min(java.util.Comparator.<java.util.Map.Entry<BpeTokenizer.Merge, Long>>comparingLong(e -> -e.getValue())
                            .thenComparing(e -> e.getKey().left()).thenComparing(e -> e.getKey().right()))
                    .map(java.util.Map.Entry::getKey).orElse(null);
            if (best == null) break;
            merges.add(best);
            vocab.add(best.merged());
            for (List<String> w : words)
                for (int j = 0; j + 1 < w.size(); j++)
                    if (w.get(j).equals(best.left()) && w.get(j + 1).equals(best.right())) { w.set(j, best.merged()); w.remove(j + 1); }
        }
        assertEquals(merges, fast.merges());
    }

    @Test
    void aVocabularyTooSmallForTheAlphabetIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train("abc", 257, List.of("[PAD]", "[UNK]")));
        assertEquals("a vocabulary of 257 cannot hold the 2 special tokens and 256 byte symbols", e.getMessage());
    }
}
