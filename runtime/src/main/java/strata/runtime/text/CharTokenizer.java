package strata.runtime.text;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One token per character (Unicode code point), the vocabulary being the sorted distinct characters
 * of a corpus, as nanoGPT's data/shakespeare_char/prepare.py builds it. A character outside the
 * vocabulary is an error, not an unknown token: a character model cannot say anything about it.
 */
public final class CharTokenizer implements Tokenizer {
    private final int[] chars;               // id -> code point, ascending
    private final Map<Integer, Integer> ids = new HashMap<>();

    public CharTokenizer(int[] sortedCodePoints) {
        chars = sortedCodePoints.clone();
        for (int i = 0; i < chars.length; i++) {
            if (i > 0 && chars[i] <= chars[i - 1]) throw new IllegalArgumentException("the characters of a char tokenizer must be distinct and ascending");
            if (!Character.isValidCodePoint(chars[i]) || Character.isSurrogate((char) chars[i]) && chars[i] <= 0xFFFF)
                throw new IllegalArgumentException(String.format("U+%04X is not a character", chars[i]));
            ids.put(chars[i], i);
        }
    }

    /** The vocabulary of a corpus: its distinct characters in code point order (Python's sorted(set(text))). */
    public static CharTokenizer fromCorpus(String corpus) {
        ByteLevel.requireWellFormed(corpus, "the corpus");
        return new CharTokenizer(corpus.codePoints().distinct().sorted().toArray());
    }

    @Override
    public int[] encode(String text) {
        int[] out = new int[text.codePointCount(0, text.length())];
        int n = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            Integer id = ids.get(cp);
            if (id == null) throw new IllegalArgumentException("character " + describe(cp) + " at index " + i + " is not in the vocabulary of " + chars.length + " characters");
            out[n++] = id;
            i += Character.charCount(cp);
        }
        return out;
    }

    @Override
    public String decode(int[] tokenIds) {
        StringBuilder b = new StringBuilder(tokenIds.length);
        for (int id : tokenIds) {
            if (id < 0 || id >= chars.length) throw new IllegalArgumentException("id " + id + " is not in the vocabulary (size " + chars.length + ")");
            b.appendCodePoint(chars[id]);
        }
        return b.toString();
    }

    @Override public int vocabSize() { return chars.length; }

    @Override public Map<String, Integer> specialTokens() { return Map.of(); }

    public int[] codePoints() { return chars.clone(); }

    static String describe(int cp) {
        String name = Character.getName(cp);
        String shown = Character.isISOControl(cp) || Character.isWhitespace(cp) ? "" : "'" + Character.toString(cp) + "' ";
        return shown + String.format("(U+%04X%s)", cp, name == null ? "" : " " + name);
    }

    @Override public String toString() { return "CharTokenizer" + Arrays.toString(Arrays.copyOf(chars, Math.min(chars.length, 8))) + "..."; }
}
