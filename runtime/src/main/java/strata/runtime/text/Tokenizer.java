package strata.runtime.text;

import java.util.Map;
import java.util.NoSuchElementException;

/** Text to token ids and back. Special tokens are matched whole in the input and never split. */
public sealed interface Tokenizer permits CharTokenizer, BpeTokenizer {
    int[] encode(String text);

    String decode(int[] ids);

    /** One more than the largest id, so that an embedding table of this many rows covers every id. */
    int vocabSize();

    /** Special tokens by their text ([CLS], <extra_id_0>, ...), with their ids. */
    Map<String, Integer> specialTokens();

    default int specialToken(String name) {
        Integer id = specialTokens().get(name);
        if (id == null) throw new NoSuchElementException("the tokenizer has no special token " + name + " (it has " + specialTokens().keySet() + ")");
        return id;
    }
}
