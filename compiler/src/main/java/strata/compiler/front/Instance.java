package strata.compiler.front;

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
