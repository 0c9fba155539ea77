package strata.compiler.front;

import java.util.List;
import strata.grammar.Span;
import strata.grammar.ast.Decl;

/**
 * A mask (or score modifier) as a value: a definition with its data bound, or a combination
 * with and / or / not. It stays an expression until an attention op elaborates it into a region.
 */
public sealed interface MaskValue {
    boolean isScore();

    String describe();

    /** Where the user wrote this mask (a name or a call), to report a misuse there; null if unknown. */
    default Span use() { return null; }

    /**
     * @param data the bound data arguments; empty until the mask is applied to them
     * @param use  where the user named or applied it, or null
     */
    record Def(Decl.MaskDef def, Scope scope, List<Val> data, boolean applied, Span use) implements MaskValue {
        public Def(Decl.MaskDef def, Scope scope, List<Val> data, boolean applied) { this(def, scope, data, applied, null); }

        public Def at(Span where) { return new Def(def, scope, data, applied, where); }

        @Override public boolean isScore() { return def.isScore(); }

        @Override public String describe() { return "`" + def.name() + "`"; }

        public boolean needsData() { return !def.data().isEmpty() && !applied; }
    }

    record And(MaskValue left, MaskValue right) implements MaskValue {
        @Override public boolean isScore() { return false; }

        @Override public String describe() { return left.describe() + " and " + right.describe(); }
    }

    record Or(MaskValue left, MaskValue right) implements MaskValue {
        @Override public boolean isScore() { return false; }

        @Override public String describe() { return left.describe() + " or " + right.describe(); }
    }

    record Not(MaskValue inner) implements MaskValue {
        @Override public boolean isScore() { return false; }

        @Override public String describe() { return "not " + inner.describe(); }
    }
}
