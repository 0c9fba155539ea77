package strata.runtime.text;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts text at occurrences of special tokens before the model sees it, so that "[CLS]" or
 * "<extra_id_0>" becomes one id however the model would have split it. At one position the longest
 * special wins ("<extra_id_10>" over a hypothetical "<extra_id_1"), as in Hugging Face tokenizers.
 */
record SpecialTokens(Map<String, Integer> ids, Pattern pattern) {

    static SpecialTokens of(Map<String, Integer> ids) {
        List<String> bySize = new ArrayList<>(ids.keySet());
        for (String s : bySize) if (s.isEmpty()) throw new IllegalArgumentException("a special token may not be empty");
        bySize.sort(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
        // Java's alternation takes the first alternative that matches, so longest first means longest match
        Pattern p = bySize.isEmpty() ? null : Pattern.compile(String.join("|", bySize.stream().map(Pattern::quote).toList()));
        return new SpecialTokens(Map.copyOf(new LinkedHashMap<>(ids)), p);
    }

    /** Calls {@code ordinary} for each stretch of text between specials and adds each special's id to {@code out}. */
    void split(String text, Consumer<String> ordinary, IntList out) {
        if (pattern == null) {
            if (!text.isEmpty()) ordinary.accept(text);
            return;
        }
        Matcher m = pattern.matcher(text);
        int at = 0;
        while (m.find()) {
            if (m.start() > at) ordinary.accept(text.substring(at, m.start()));
            out.add(ids.get(m.group()));
            at = m.end();
        }
        if (at < text.length()) ordinary.accept(text.substring(at));
    }

    /** A growable int array, for ids. */
    static final class IntList {
        private int[] a = new int[16];
        private int n;

        void add(int v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        int[] toArray() { return java.util.Arrays.copyOf(a, n); }
    }
}
