package strata.compiler.front;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.grammar.Span;
import strata.grammar.ast.Decl;
import strata.grammar.ast.Member;
import strata.grammar.ast.Param;

/**
 * A model or module with what it inherits folded in: a member of the component replaces the
 * parent's member of the same name (a hyperparameter default, a slot's filling, a part, a
 * preset), and new members are added after the parent's.
 *
 * @param slotFillings for each slot, the expression that fills it (the parent's default or an
 *                     override) and where that filling is written
 */
public record ComponentDef(Decl.Component decl, String name, boolean isModel, List<Param> params,
                           Map<String, Member> members, List<Member.Requires> requires,
                           Map<String, Member.Slot> slots, Map<String, Member.Bind> slotFillings,
                           Map<String, Member.Preset> presets, Member.Forward forward, ComponentDef parent) {

    public static ComponentDef of(Decl.Component c, ComponentDef parent, List<strata.grammar.Diagnostic> errors) {
        Map<String, Member> members = new LinkedHashMap<>();
        List<Member.Requires> requires = new ArrayList<>();
        Map<String, Member.Slot> slots = new LinkedHashMap<>();
        Map<String, Member.Bind> fillings = new LinkedHashMap<>();
        Map<String, Member.Preset> presets = new LinkedHashMap<>();
        Member.Forward forward = null;
        List<Param> params = c.params() == null ? List.of() : c.params();
        if (parent != null) {
            members.putAll(parent.members);
            requires.addAll(parent.requires);
            slots.putAll(parent.slots);
            fillings.putAll(parent.slotFillings);
            presets.putAll(parent.presets);
            forward = parent.forward;
            // a component that passes arguments to its parent has only the parameters it writes
            if (c.params() == null && c.parentArgs().isEmpty()) params = parent.params;
        }
        Map<String, Span> seenHere = new LinkedHashMap<>();
        for (Member m : c.members()) {
            String n = m.name();
            if (n != null && !(m instanceof Member.Forward)) {
                Span prev = seenHere.put(m instanceof Member.Preset ? "preset " + n : n, m.span());
                if (prev != null) {
                    errors.add(strata.grammar.Diagnostic.error(m.span(), "`" + n + "` is defined twice in " + c.name()
                            + "; the first definition is at " + prev, "remove or rename one of them"));
                    continue;
                }
            }
            switch (m) {
                case Member.Requires r -> requires.add(r);
                case Member.Preset p -> presets.put(p.name(), p);
                case Member.Forward f -> forward = f;
                case Member.Slot s -> {
                    slots.put(s.name(), s);
                    fillings.put(s.name(), new Member.Bind(s.span(), s.name(), s.filling()));
                    members.put(n, s);
                }
                case Member.Bind b when slots.containsKey(n) -> fillings.put(n, b);
                default -> {
                    Member prev = members.get(n);
                    if (prev != null && parent != null && !sameKind(prev, m))
                        errors.add(strata.grammar.Diagnostic.error(m.span(), "`" + n + "` in " + c.name() + " replaces a "
                                + kind(prev) + " of " + parent.name + " with a " + kind(m),
                                "a derived model may replace a member only with one of the same kind"));
                    else members.put(n, m);
                }
            }
        }
        return new ComponentDef(c, c.name(), c.isModel(), params, members, requires, slots, fillings, presets, forward, parent);
    }

    private static boolean sameKind(Member a, Member b) { return a.getClass() == b.getClass(); }

    static String kind(Member m) {
        return switch (m) {
            case Member.Hyper h -> "hyperparameter";
            case Member.Input i -> "input";
            case Member.ParamDecl p -> "parameter";
            case Member.Slot s -> "slot";
            case Member.Bind b -> "part";
            case Member.FnMember f -> "function";
            case Member.Loss l -> "loss";
            case Member.MaskMember mm -> mm.mask().isScore() ? "score" : "mask";
            default -> "member";
        };
    }

    /** The training objectives, inherited ones first. */
    public List<Member.Loss> losses() {
        List<Member.Loss> out = new ArrayList<>();
        for (Member m : members.values()) if (m instanceof Member.Loss l) out.add(l);
        return out;
    }

    public List<Member.Hyper> hypers() {
        List<Member.Hyper> out = new ArrayList<>();
        for (Member m : members.values()) if (m instanceof Member.Hyper h) out.add(h);
        return out;
    }
}
