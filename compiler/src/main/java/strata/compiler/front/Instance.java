package strata.compiler.front;

import java.util.HashMap;
import java.util.Map;

/** A made part: a component at a path (its parameters are named {@code path.name}), with its scope. */
public final class Instance {
    private final String path;
    private final ComponentDef def;
    private final Scope scope;

    public Instance(String path, ComponentDef def, Scope scope) {
        this.path = path;
        this.def = def;
        this.scope = scope;
    }

    public String path() { return path; }

    public ComponentDef def() { return def; }

    public Scope scope() { return scope; }

    /** The name of a child of this part: {@code path.child}, or {@code child} at the root. */
    public String child(String name) { return path.isEmpty() ? name : path + "." + name; }
}

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
