package strata.compiler.front;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import strata.grammar.CompileError;
import strata.grammar.Span;

/**
 * Names in scope during elaboration. A member of a part may be bound lazily (so members may
 * refer to one another in any order); forcing one that is being forced is a cycle.
 */
public final class Scope {
    private final Scope parent;
    private final Map<String, Val> values = new LinkedHashMap<>();
    private final Map<String, Supplier<Val>> pending = new LinkedHashMap<>();
    private final Map<String, Span> forcing = new LinkedHashMap<>();
    private final Map<String, Span> spans = new LinkedHashMap<>();

    public Scope(Scope parent) { this.parent = parent; }

    public Scope parent() { return parent; }

    public void bind(String name, Val v) {
        pending.remove(name);
        values.put(name, v);
    }

    public void bindLazy(String name, Span where, Supplier<Val> s) {
        values.remove(name);
        pending.put(name, s);
        forcing.remove(name);
        spans.put(name, where);
    }

    /** Whether the name is bound here (not in a parent). */
    public boolean hasOwn(String name) { return values.containsKey(name) || pending.containsKey(name); }

    public Set<String> ownNames() {
        Set<String> s = new java.util.LinkedHashSet<>(values.keySet());
        s.addAll(pending.keySet());
        return s;
    }

    /** Looks a name up here and in the enclosing scopes; null when unbound. */
    public Val lookup(String name, Span use) {
        for (Scope s = this; s != null; s = s.parent) {
            Val v = s.own(name, use);
            if (v != null) return v;
        }
        return null;
    }

    /** The value bound here (forcing it if lazy), or null. */
    public Val own(String name, Span use) {
        Val v = values.get(name);
        if (v != null) return v;
        Supplier<Val> p = pending.get(name);
        if (p == null) return null;
        if (forcing.containsKey(name))
            throw new CompileError(spans.getOrDefault(name, use), "`" + name + "` is defined in terms of itself",
                    "break the cycle: " + String.join(" -> ", forcing.keySet()) + " -> " + name);
        forcing.put(name, use);
        try {
            v = p.get();
        } catch (CompileError e) {
            v = Val.POISON;
            forcing.remove(name);
            pending.remove(name);
            values.put(name, v);
            throw e;
        }
        forcing.remove(name);
        pending.remove(name);
        values.put(name, v);
        return v;
    }

    /** Every name visible from here, for "did you mean" hints. */
    public Set<String> visibleNames() {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (Scope s = this; s != null; s = s.parent) out.addAll(s.ownNames());
        return out;
    }
}
