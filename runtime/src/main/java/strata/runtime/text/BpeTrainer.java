package strata.runtime.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Learns byte-level BPE merges from a corpus (Sennrich et al. 2016, Algorithm 1): count every
 * adjacent pair of symbols over the distinct pieces weighted by how often each occurs, merge the
 * most frequent pair everywhere, repeat until the vocabulary has the size asked for. Ties go to the
 * pair whose two token strings sort first (left, then right), so the result depends on the corpus
 * alone. Pair counts are updated only for the pieces a merge touches.
 *
 * <p>Ids: the special tokens first, in the order given (as the Hugging Face trainer does), then the
 * 256 byte symbols in the order of GPT-2's vocab.json, then one id per merge.
 */
public final class BpeTrainer {
    private BpeTrainer() {}

    /** A pair seen fewer times than this is not merged: it says nothing about text beyond the corpus. */
    public static final int MIN_FREQUENCY = 2;

    public static BpeTokenizer train(String corpus, int vocabSize, List<String> specials) {
        int base = specials.size() + 256;
        if (vocabSize < base)
            throw new IllegalArgumentException("a vocabulary of " + vocabSize + " cannot hold the " + specials.size() + " special tokens and 256 byte symbols");
        Map<String, Integer> specialIds = new LinkedHashMap<>();
        for (String s : specials) if (specialIds.putIfAbsent(s, specialIds.size()) != null) throw new IllegalArgumentException("special token " + s + " is listed twice");
        List<String> tokens = new ArrayList<>(specials);
        Map<String, Integer> vocab = new HashMap<>(specialIds);
        for (String c : ByteLevel.alphabet()) {
            vocab.put(c, tokens.size());
            tokens.add(c);
        }

        // the distinct pieces of the corpus (specials cut out, never learned from) and their counts
        Map<String, Integer> counts = new HashMap<>();
        SpecialTokens.of(specialIds).split(corpus, stretch -> ByteLevel.pieces(stretch, false, true, piece -> counts.merge(piece, 1, Integer::sum)),
                new SpecialTokens.IntList());
        List<String> pieces = new ArrayList<>(counts.keySet());
        pieces.sort(null);
        int[][] words = new int[pieces.size()][];
        long[] freq = new long[pieces.size()];
        Map<Long, Long> pairCounts = new HashMap<>();
        Map<Long, Set<Integer>> where = new HashMap<>();
        for (int w = 0; w < words.length; w++) {
            String p = pieces.get(w);
            words[w] = new int[p.length()];
            for (int i = 0; i < p.length(); i++) words[w][i] = vocab.get(String.valueOf(p.charAt(i)));
            freq[w] = counts.get(p);
            count(words[w], freq[w], w, pairCounts, where);
        }

        List<BpeTokenizer.Merge> merges = new ArrayList<>();
        while (vocab.size() < vocabSize) {
            long best = 0, bestCount = MIN_FREQUENCY - 1;
            for (var e : pairCounts.entrySet()) {
                long c = e.getValue();
                if (c > bestCount || (c == bestCount && c >= MIN_FREQUENCY && before(e.getKey(), best, tokens))) { best = e.getKey(); bestCount = c; }
            }
            if (bestCount < MIN_FREQUENCY) break; // no pair repeats: nothing more to learn
            int left = (int) (best >>> 32), right = (int) best;
            String merged = tokens.get(left) + tokens.get(right);
            Integer id = vocab.get(merged); // another pair may already have made this string; it keeps its id
            if (id == null) {
                id = tokens.size();
                vocab.put(merged, id);
                tokens.add(merged);
            }
            merges.add(new BpeTokenizer.Merge(tokens.get(left), tokens.get(right)));
            for (int w : new ArrayList<>(where.getOrDefault(best, Set.of()))) {
                count(words[w], -freq[w], w, pairCounts, null);
                words[w] = apply(words[w], left, right, id);
                count(words[w], freq[w], w, pairCounts, where);
            }
        }
        return new BpeTokenizer(vocab, merges, specialIds, BpeTokenizer.PreTokenizer.GPT2, false);
    }

    private static long pair(int a, int b) { return ((long) a << 32) | (b & 0xffffffffL); }

    private static boolean before(long p, long q, List<String> tokens) {
        int c = tokens.get((int) (p >>> 32)).compareTo(tokens.get((int) (q >>> 32)));
        return c != 0 ? c < 0 : tokens.get((int) p).compareTo(tokens.get((int) q)) < 0;
    }

    /** Adds {@code by} to the count of every adjacent pair of the word; records the word under each pair when {@code where} is given. */
    private static void count(int[] word, long by, int w, Map<Long, Long> pairCounts, Map<Long, Set<Integer>> where) {
        for (int i = 0; i + 1 < word.length; i++) {
            long p = pair(word[i], word[i + 1]);
            long c = pairCounts.merge(p, by, Long::sum);
            if (c == 0) pairCounts.remove(p);
            if (where != null) where.computeIfAbsent(p, k -> new HashSet<>()).add(w);
        }
    }

    /** The word with every occurrence of (left, right), taken left to right, replaced by id. */
    private static int[] apply(int[] word, int left, int right, int id) {
        int[] out = new int[word.length];
        int n = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                out[n++] = id;
                i++;
            } else out[n++] = word[i];
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
