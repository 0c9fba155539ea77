package strata.compiler.masks;

import static strata.compiler.masks.KeyBound.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import strata.compiler.graph.Attr;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.Value;

/**
 * For one query row, the keys a mask may show and the keys it surely shows, as ranges whose
 * bounds are computed at run time ({@link KeyBound}): FlexAttention's block mask (He et al. 2024,
 * "FlexAttention", section 3.2), derived from the mask program instead of from a dense
 * evaluation. The fused kernel visits only the keys of {@link #loops}, and evaluates the mask
 * only in its partial loops.
 *
 * <p>The mask is read as a set of keys, with two lists of half-open ranges for each boolean:
 * {@code may} (every visible key lies in one) and {@code must} (every key in one is visible).
 * A comparison that is linear in k with coefficient +-1 ({@code k <= q}, {@code q - k < window},
 * {@code k < len[b]}) is a range, exactly; a boolean that does not depend on k is all keys or
 * none ({@code [0, c ? Tk : 0)}); {@code and} intersects ranges pairwise, {@code or} joins the
 * lists, {@code not} is pushed inward by De Morgan's laws down to a flipped comparison, else
 * complements (the complement of {@code must} bounds the new {@code may} and vice versa), and
 * {@code select} is {@code c and x or not c and y}. Anything else is "any key,
 * none surely": may = [0, Tk), must = nothing, which is where every mask falls back to.
 */
public final class KeyRanges {
    /** Keys [lo, hi); empty when hi <= lo. */
    public record Span(KeyBound lo, KeyBound hi) {
        @Override public String toString() { return "[" + show(lo) + ", " + show(hi) + ")"; }
    }

    /** may: every visible key lies in one of its spans; must: every key in one of its spans is visible. */
    public record KeySet(List<Span> may, List<Span> must) {}

    /** One loop of the kernel over keys [lo, hi), all within [0, Tk); full: every key visible, the mask is not evaluated. */
    public record Loop(KeyBound lo, KeyBound hi, boolean full) {
        @Override public String toString() { return (full ? "full " : "partial ") + "[" + show(lo) + ", " + show(hi) + ")"; }
    }

    /** Beyond this many spans a list is merged (may) or cut (must): the kernel loops stay few. */
    static final int MAX_SPANS = 4;

    private static final Span ALL = new Span(ZERO, KEYS);
    private static final KeySet ANY = new KeySet(List.of(ALL), List.of());

    private final Value kArg;
    private final Set<Value> onKey = new HashSet<>();
    private final Map<Value, Op> ops = new HashMap<>();

    private KeyRanges(Region region) {
        this.kArg = region.args().get(3);
        onKey.add(kArg);
        for (Op op : region.ops()) {
            ops.put(op.result(), op);
            if (op.operands().stream().anyMatch(onKey::contains)) onKey.add(op.result());
        }
    }

    /** The keys the mask may and must show for one row. */
    public static KeySet analyse(Region mask) {
        return new KeyRanges(mask).set(mask.yield());
    }

    /**
     * The kernel's key loops for one row: disjoint, within [0, Tk), covering every visible key,
     * each full loop holding visible keys only. Without a mask: one full loop over all keys.
     */
    public static List<Loop> loops(Optional<Region> mask) {
        if (mask.isEmpty()) return List.of(new Loop(ZERO, KEYS, true));
        KeySet s = analyse(mask.get());
        List<Span> may = s.may();
        if (may.size() > 2) may = List.of(hull(may));
        List<Span> must = may.size() == s.may().size() && s.must().size() == may.size() ? s.must()
                : s.must().isEmpty() ? List.of() : java.util.Collections.nCopies(may.size(), s.must().getFirst());
        boolean exact = must.equals(may);
        List<Span> ranges = new ArrayList<>(), fulls = new ArrayList<>();
        if (may.size() == 2) {
            // in order of lo at run time; the second then starts where the first ends, so no key is visited twice:
            // with lo1 <= lo2, [lo1, hi1) + [max(lo2, hi1), hi2) is exactly the union
            Span a = may.get(0), b = may.get(1);
            KeyBound x = b.lo(), y = a.lo();
            Span first = new Span(ifLess(x, y, b.lo(), a.lo()), ifLess(x, y, b.hi(), a.hi()));
            Span second = new Span(ifLess(x, y, a.lo(), b.lo()), ifLess(x, y, a.hi(), b.hi()));
            ranges.add(first);
            ranges.add(new Span(max(second.lo(), first.hi()), second.hi()));
            if (!must.isEmpty()) {
                Span fa = must.get(0), fb = must.get(1);
                fulls.add(new Span(ifLess(x, y, fb.lo(), fa.lo()), ifLess(x, y, fb.hi(), fa.hi())));
                fulls.add(new Span(ifLess(x, y, fa.lo(), fb.lo()), ifLess(x, y, fa.hi(), fb.hi())));
            }
        } else {
            ranges.addAll(may);
            fulls.addAll(must);
        }
        List<Loop> out = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            KeyBound r0 = max(ranges.get(i).lo(), ZERO), r1 = min(ranges.get(i).hi(), KEYS);
            if (exact) out.add(new Loop(r0, r1, true));
            else if (fulls.isEmpty()) out.add(new Loop(r0, r1, false));
            else {
                // [r0, c0) partial, [c0, c1) full, [c1, r1) partial, with [c0, c1) the full span clamped into [r0, r1)
                Span f = fulls.get(i);
                KeyBound c0 = min(max(f.lo(), r0), r1), c1 = max(min(f.hi(), r1), c0);
                out.add(new Loop(r0, c0, false));
                out.add(new Loop(c0, c1, true));
                out.add(new Loop(c1, r1, false));
            }
        }
        return out;
    }

    // ---- the mask as a set of keys ----

    private KeySet set(Value v) {
        if (!onKey.contains(v)) {
            Op c = ops.get(v);
            if (c != null && c.kind() == OpKind.CONST) return constant(c);
            Span s = new Span(ZERO, pick(v, KEYS, ZERO));  // all keys or none, the same for the whole row
            return new KeySet(List.of(s), List.of(s));
        }
        Op op = ops.get(v);
        if (op == null) return ANY;
        List<Value> in = op.operands();
        return switch (op.kind()) {
            case AND -> and(set(in.get(0)), set(in.get(1)));
            case OR -> or(set(in.get(0)), set(in.get(1)));
            case NOT -> negated(in.get(0));
            case SELECT -> {
                yield or(and(set(in.get(0)), set(in.get(1))), and(negated(in.get(0)), set(in.get(2))));
            }
            case CAST -> in.get(0).type().dtype() == strata.compiler.graph.DType.BOOL ? set(in.get(0)) : ANY;
            case LT, LE, GT, GE, EQ, NE -> compare(op.kind(), in.get(0), in.get(1));
            default -> ANY;
        };
    }

    /**
     * The keys of {@code not v}, with the negation pushed inward (De Morgan; {@code not k < x} is
     * {@code k >= x}), so that it stays exact where {@link #not} of the ranges would widen.
     */
    private KeySet negated(Value v) {
        Op op = ops.get(v);
        if (!onKey.contains(v) || op == null) return not(set(v));
        List<Value> in = op.operands();
        return switch (op.kind()) {
            case AND -> or(negated(in.get(0)), negated(in.get(1)));
            case OR -> and(negated(in.get(0)), negated(in.get(1)));
            case NOT -> set(in.get(0));
            case LT -> compare(OpKind.GE, in.get(0), in.get(1));
            case LE -> compare(OpKind.GT, in.get(0), in.get(1));
            case GT -> compare(OpKind.LE, in.get(0), in.get(1));
            case GE -> compare(OpKind.LT, in.get(0), in.get(1));
            case EQ -> compare(OpKind.NE, in.get(0), in.get(1));
            case NE -> compare(OpKind.EQ, in.get(0), in.get(1));
            default -> not(set(v));
        };
    }

    private static KeySet constant(Op c) {
        double v = c.attrs().get("value") instanceof Attr.Bool b ? (b.value() ? 1 : 0) : c.floatAttr("value", 0);
        List<Span> s = v != 0 ? List.of(ALL) : List.of();
        return new KeySet(s, s);
    }

    /** c * k + rest, with rest an integer bound that does not depend on k. */
    private record Linear(long coef, KeyBound rest) {}

    private Optional<Linear> linear(Value v) {
        if (!v.type().dtype().isInteger() || v.type().rank() != 0) return Optional.empty();
        if (v.equals(kArg)) return Optional.of(new Linear(1, ZERO));
        Op op = ops.get(v);
        if (!onKey.contains(v)) {
            if (op != null && op.kind() == OpKind.CONST) return Optional.of(new Linear(0, lit((long) op.floatAttr("value", 0))));
            return Optional.of(new Linear(0, of(v)));
        }
        if (op == null) return Optional.empty();
        List<Value> in = op.operands();
        return switch (op.kind()) {
            case ADD -> linear(in.get(0)).flatMap(a -> linear(in.get(1)).map(b -> new Linear(a.coef() + b.coef(), plus(a.rest(), b.rest()))));
            case SUB -> linear(in.get(0)).flatMap(a -> linear(in.get(1)).map(b -> new Linear(a.coef() - b.coef(), minus(a.rest(), b.rest()))));
            case NEG -> linear(in.get(0)).map(a -> new Linear(-a.coef(), neg(a.rest())));
            case CAST -> in.get(0).type().dtype().isInteger() ? linear(in.get(0)) : Optional.empty();
            default -> Optional.empty();
        };
    }

    /**
     * {@code l op r} as keys: with l - r = e k + z, e = +-1 (else any key), {@code k + z < 0} is
     * {@code k < -z}, and so on; a negative e flips the comparison.
     */
    private KeySet compare(OpKind kind, Value l, Value r) {
        Optional<Linear> a = linear(l), b = linear(r);
        if (a.isEmpty() || b.isEmpty()) return ANY;
        long e = a.get().coef() - b.get().coef();
        KeyBound z = minus(a.get().rest(), b.get().rest());
        if (e == -1) {
            z = neg(z);
            kind = switch (kind) {
                case LT -> OpKind.GT;
                case LE -> OpKind.GE;
                case GT -> OpKind.LT;
                case GE -> OpKind.LE;
                default -> kind;
            };
        } else if (e != 1) return ANY;
        KeyBound at = neg(z);  // the comparison is k op at
        Span s = switch (kind) {
            case LT -> new Span(ZERO, at);
            case LE -> new Span(ZERO, plus(at, ONE));
            case GT -> new Span(plus(at, ONE), KEYS);
            case GE -> new Span(at, KEYS);
            case EQ -> new Span(at, plus(at, ONE));
            case NE -> null;
            default -> throw new IllegalStateException(kind.toString());
        };
        if (s != null) return new KeySet(List.of(s), List.of(s));
        return new KeySet(List.of(ALL), List.of(new Span(ZERO, at), new Span(plus(at, ONE), KEYS)));
    }

    private static KeySet and(KeySet x, KeySet y) {
        List<Span> may = cut(intersect(x.may(), y.may()), true), must = cut(intersect(x.must(), y.must()), false);
        return new KeySet(may, must);
    }

    private static KeySet or(KeySet x, KeySet y) {
        return new KeySet(cut(join(x.may(), y.may()), true), cut(join(x.must(), y.must()), false));
    }

    private static KeySet not(KeySet x) {
        // may' covers the complement of must (a superset of what not-x shows); must' lies in the complement of may's hull
        List<Span> may = x.must().isEmpty() ? List.of(ALL) : complement(x.must().getFirst());
        List<Span> must = x.may().isEmpty() ? List.of(ALL) : complement(hull(x.may()));
        return new KeySet(dropEmpty(may), dropEmpty(must));
    }

    /** [0, lo) and [max(lo, hi), Tk): everything outside [lo, hi), also when it is empty. */
    private static List<Span> complement(Span s) {
        return List.of(new Span(ZERO, s.lo()), new Span(max(s.lo(), s.hi()), KEYS));
    }

    private static Span hull(List<Span> s) {
        KeyBound lo = s.getFirst().lo(), hi = s.getFirst().hi();
        for (Span x : s.subList(1, s.size())) {
            lo = min(lo, x.lo());
            hi = max(hi, x.hi());
        }
        return new Span(lo, hi);
    }

    private static List<Span> intersect(List<Span> x, List<Span> y) {
        List<Span> out = new ArrayList<>();
        for (Span a : x) for (Span b : y) out.add(new Span(max(a.lo(), b.lo()), min(a.hi(), b.hi())));
        return dropEmpty(out);
    }

    /** x and y together; spans that share a bound merge: [lo, h1) + [lo, h2) = [lo, max(h1, h2)). */
    private static List<Span> join(List<Span> x, List<Span> y) {
        List<Span> out = new ArrayList<>(x);
        for (Span b : y) {
            boolean merged = false;
            for (int i = 0; i < out.size() && !merged; i++) {
                Span a = out.get(i);
                if (a.lo().equals(b.lo())) out.set(i, new Span(a.lo(), max(a.hi(), b.hi())));
                else if (a.hi().equals(b.hi())) out.set(i, new Span(min(a.lo(), b.lo()), a.hi()));
                else continue;
                merged = true;
            }
            if (!merged) out.add(b);
        }
        return dropEmpty(out);
    }

    /** Too many spans: may merges into its hull (still covers), must keeps the first ones (still inside). */
    private static List<Span> cut(List<Span> s, boolean may) {
        if (s.size() <= MAX_SPANS) return s;
        return may ? List.of(hull(s)) : List.copyOf(s.subList(0, MAX_SPANS));
    }

    private static List<Span> dropEmpty(List<Span> s) {
        List<Span> out = new ArrayList<>();
        for (Span x : s) if (!(upper(x.hi()) <= lower(x.lo()))) out.add(x);
        return out;
    }

    // evident bounds of a term, enough to see that [0, min(q + 1, 0)) holds no key
    private static double upper(KeyBound x) {
        return switch (x) {
            case Lit l -> l.value();
            case Min m -> Math.min(upper(m.a()), upper(m.b()));
            case Max m -> Math.max(upper(m.a()), upper(m.b()));
            default -> Double.POSITIVE_INFINITY;
        };
    }

    private static double lower(KeyBound x) {
        return switch (x) {
            case Lit l -> l.value();
            case Keys k -> 0;
            case Min m -> Math.min(lower(m.a()), lower(m.b()));
            case Max m -> Math.max(lower(m.a()), lower(m.b()));
            default -> Double.NEGATIVE_INFINITY;
        };
    }
}
