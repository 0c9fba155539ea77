package strata.runtime.data.objectives;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.runtime.text.Tokenizer;

/**
 * The ids an objective writes besides the text's own: [CLS], [SEP], [MASK], [PAD], GLM's [START]
 * and [END], T5's sentinels. {@code size} is the whole vocabulary (the model's {@code vocab} must be
 * at least this); a token is special when it is one of {@code specials}, and only ordinary tokens
 * are ever selected for masking or drawn as random replacements.
 */
public record Vocabulary(int size, Map<String, Integer> specials) {
    public static final String CLS = "[CLS]", SEP = "[SEP]", MASK = "[MASK]", PAD = "[PAD]", START = "[START]", END = "[END]", EOS = "</s>";

    public Vocabulary {
        specials = Map.copyOf(specials);
        for (var e : specials.entrySet())
            if (e.getValue() < 0 || e.getValue() >= size)
                throw new IllegalArgumentException("special token " + e.getKey() + " has id " + e.getValue() + ", outside a vocabulary of " + size);
    }

    /**
     * A text vocabulary of {@code ordinary} ids (a {@link strata.runtime.text.CharTokenizer}'s) with
     * the named specials appended after it, then {@code sentinels} T5 sentinels {@code <extra_id_i>}.
     */
    public static Vocabulary appended(int ordinary, List<String> names, int sentinels) {
        if (ordinary <= 0) throw new IllegalArgumentException("the text vocabulary is empty");
        Map<String, Integer> ids = new LinkedHashMap<>();
        int next = ordinary;
        for (String n : names) if (ids.putIfAbsent(n, next) == null) next++;
        for (int i = 0; i < sentinels; i++) ids.put(sentinelName(i), next++);
        return new Vocabulary(next, ids);
    }

    /** A tokenizer's own vocabulary and special tokens (a BPE tokenizer's [CLS], [MASK], <extra_id_i>, ...). */
    public static Vocabulary of(Tokenizer t) { return new Vocabulary(t.vocabSize(), t.specialTokens()); }

    public static String sentinelName(int i) { return "<extra_id_" + i + ">"; }

    public int id(String name) {
        Integer id = specials.get(name);
        if (id == null) throw new IllegalArgumentException("the vocabulary has no " + name + " token; it has " + specials.keySet());
        return id;
    }

    public int sentinel(int i) { return id(sentinelName(i)); }

    /** How many sentinels <extra_id_0> .. <extra_id_{n-1}> there are, counting up from 0. */
    public int sentinels() {
        int n = 0;
        while (specials.containsKey(sentinelName(n))) n++;
        return n;
    }

    public boolean isSpecial(int id) { return specials.containsValue(id); }

    /** The specials as a set, for the transforms' inner loops. */
    BitSet specialSet() {
        BitSet s = new BitSet(size);
        for (int id : specials.values()) s.set(id);
        return s;
    }
}
