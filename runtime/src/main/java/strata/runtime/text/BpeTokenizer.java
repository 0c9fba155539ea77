package strata.runtime.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE as GPT-2 uses it (Sennrich et al. 2016, "Neural Machine Translation of Rare Words
 * with Subword Units"; Radford et al. 2019): each pre-tokenized piece starts as its byte characters,
 * and the adjacent pair with the lowest merge rank is merged everywhere in the piece until no pair
 * has a rank (the loop of openai/gpt-2 encoder.py, Encoder.bpe).
 */
public final class BpeTokenizer implements Tokenizer {
    /** A merge: the two adjacent tokens that become one. */
    public record Merge(String left, String right) {
        public String merged() { return left + right; }
    }

    /** How the Hugging Face ByteLevel pre-tokenizer is set; GPT-2 uses (false, true). */
    public record PreTokenizer(boolean addPrefixSpace, boolean useRegex) {
        public static final PreTokenizer GPT2 = new PreTokenizer(false, true);
    }

    private static final int CACHE_LIMIT = 1 << 16;

    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final List<Merge> merges;
    private final Map<Merge, Integer> ranks = new HashMap<>();
    private final Map<String, Integer> specials;
    private final SpecialTokens splitter;
    private final PreTokenizer preTokenizer;
    private final boolean ignoreMerges;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param vocab        every token (as byte characters) with its id; specials may be in it or not
     * @param merges       in rank order; each side and each result must be in the vocabulary
     * @param specials     special tokens with their ids, matched whole in the input
     * @param ignoreMerges Hugging Face's option: a piece that is itself in the vocabulary is one token
     */
    public BpeTokenizer(Map<String, Integer> vocab, List<Merge> merges, Map<String, Integer> specials, PreTokenizer preTokenizer, boolean ignoreMerges) {
        this.vocab = Map.copyOf(vocab);
        this.merges = List.copyOf(merges);
        this.specials = Map.copyOf(specials);
        this.preTokenizer = preTokenizer;
        this.ignoreMerges = ignoreMerges;
        int size = 0;
        for (int id : vocab.values()) size = Math.max(size, id + 1);
        for (int id : specials.values()) size = Math.max(size, id + 1);
        tokens = new String[size];
        for (var e : vocab.entrySet()) {
            if (e.getValue() < 0) throw new IllegalArgumentException("token `" + e.getKey() + "` has a negative id " + e.getValue());
            if (tokens[e.getValue()] != null) throw new IllegalArgumentException("tokens `" + tokens[e.getValue()] + "` and `" + e.getKey() + "` share id " + e.getValue());
            tokens[e.getValue()] = e.getKey();
        }
        for (var e : specials.entrySet()) {
            String there = tokens[e.getValue()];
            if (there != null && !there.equals(e.getKey()))
                throw new IllegalArgumentException("special token " + e.getKey() + " has id " + e.getValue() + ", which is token `" + there + "`");
            tokens[e.getValue()] = e.getKey();
        }
        for (int i = 0; i < this.merges.size(); i++) {
            Merge m = this.merges.get(i);
            for (String t : List.of(m.left, m.right, m.merged()))
                if (!vocab.containsKey(t)) throw new IllegalArgumentException("merge " + i + " `" + m.left + " " + m.right + "` needs `" + t + "`, which is not in the vocabulary");
            ranks.putIfAbsent(m, i);
        }
        splitter = SpecialTokens.of(specials);
    }

    @Override
    public int[] encode(String text) {
        ByteLevel.requireWellFormed(text, "the text");
        SpecialTokens.IntList out = new SpecialTokens.IntList();
        splitter.split(text, stretch -> ByteLevel.pieces(stretch, preTokenizer.addPrefixSpace(), preTokenizer.useRegex(), piece -> {
            for (int id : encodePiece(piece)) out.add(id);
        }), out);
        return out.toArray();
    }

    private int[] encodePiece(String piece) {
        int[] hit = cache.get(piece);
        if (hit != null) return hit;
        int[] ids;
        Integer whole = ignoreMerges ? vocab.get(piece) : null;
        if (whole != null) ids = new int[] {whole};
        else {
            List<String> symbols = merge(piece);
            ids = new int[symbols.size()];
            for (int i = 0; i < ids.length; i++) {
                Integer id = vocab.get(symbols.get(i));
                if (id == null) throw new IllegalArgumentException("the byte-level symbol `" + symbols.get(i) + "` of piece `" + piece + "` is not in the vocabulary");
                ids[i] = id;
            }
        }
        if (cache.size() >= CACHE_LIMIT) cache.clear();
        cache.put(piece, ids);
        return ids;
    }

    /** Applies merges lowest rank first, each to every occurrence left to right, as encoder.py does. */
    private List<String> merge(String piece) {
        List<String> word = new ArrayList<>(piece.length());
        for (int i = 0; i < piece.length(); i++) word.add(String.valueOf(piece.charAt(i)));
        while (word.size() > 1) {
            Merge best = null;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < word.size(); i++) {
                Merge m = new Merge(word.get(i), word.get(i + 1));
                Integer r = ranks.get(m);
                if (r != null && r < bestRank) { bestRank = r; best = m; }
            }
            if (best == null) break;
            List<String> next = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i).equals(best.left) && word.get(i + 1).equals(best.right)) {
                    next.add(best.merged());
                    i++;
                } else next.add(word.get(i));
            }
            word = next;
        }
        return word;
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            if (id < 0 || id >= tokens.length || tokens[id] == null) throw new IllegalArgumentException("id " + id + " is not in the vocabulary (size " + tokens.length + ")");
            String t = tokens[id];
            if (specials.containsKey(t)) bytes.writeBytes(t.getBytes(StandardCharsets.UTF_8));
            else if (!ByteLevel.appendBytes(t, bytes)) throw new IllegalArgumentException("token `" + t + "` (id " + id + ") has a character outside GPT-2's byte alphabet");
        }
        // like the ByteLevel decoder of Hugging Face, bytes that are not UTF-8 (a cut multi-byte character) become U+FFFD
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override public int vocabSize() { return tokens.length; }

    @Override public Map<String, Integer> specialTokens() { return specials; }

    /** Token text (in byte characters) by id, or null where no token has the id. */
    public String token(int id) { return id >= 0 && id < tokens.length ? tokens[id] : null; }

    public Map<String, Integer> vocab() { return vocab; }

    public List<Merge> merges() { return merges; }

    public PreTokenizer preTokenizer() { return preTokenizer; }

    public boolean ignoreMerges() { return ignoreMerges; }

    /** The vocabulary ordered by id, as tokenizer.json lists it. */
    Map<String, Integer> vocabById() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int id = 0; id < tokens.length; id++) if (tokens[id] != null && vocab.containsKey(tokens[id]) && vocab.get(tokens[id]) == id) out.put(tokens[id], id);
        return out;
    }
}
