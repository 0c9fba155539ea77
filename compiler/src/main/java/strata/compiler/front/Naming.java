package strata.compiler.front;

import java.util.HashMap;
import java.util.Map;

/**
 * Where parts made at call sites get their names: a path prefix and a counter per base name, so
 * that two uses of the slot {@code norm} in one block are {@code norm} and {@code norm_1}. A
 * forward that runs twice names its call sites the same way twice, and so reuses its parts.
 */
final class Naming {
    final String prefix;
    private final Map<String, Integer> counts = new HashMap<>();

    Naming(String prefix) { this.prefix = prefix; }

    String fresh(String base) {
        int n = counts.merge(base, 1, Integer::sum) - 1;
        String name = n == 0 ? base : base + "_" + n;
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    Naming nested(String segment) { return new Naming(prefix.isEmpty() ? segment : prefix + "." + segment); }
}
