package strata.compiler.masks;

import strata.compiler.graph.Value;

/**
 * An integer bound on the keys of one query row, as a term over what is fixed for that row: the
 * number of keys, and values of the mask region that do not depend on the key ({@code q},
 * {@code prefix[b]}, {@code q >= prefix[b]}). {@link KeyRanges} derives them; the fused attention
 * kernel computes them per row, and tests compute them here, with the reference evaluator.
 *
 * <p>The factories fold what is evident (constants, equal operands), so that a causal mask's
 * loop reads {@code [0, min(q + 1, Tk))} and not a tower of clamps.
 */
public sealed interface KeyBound {
    record Lit(long value) implements KeyBound {}

    /** Tk, the number of keys. */
    record Keys() implements KeyBound {}

    /** A key-independent value of the mask region: an integer, or a bool taken as 0 or 1. */
    record Of(Value value) implements KeyBound {}

    record Sum(KeyBound a, KeyBound b) implements KeyBound {}

    record Neg(KeyBound a) implements KeyBound {}

    record Min(KeyBound a, KeyBound b) implements KeyBound {}

    record Max(KeyBound a, KeyBound b) implements KeyBound {}

    /** {@code cond ? a : b} for a key-independent bool of the region. */
    record Pick(Value cond, KeyBound a, KeyBound b) implements KeyBound {}

    /** {@code x < y ? a : b}: how two key ranges are put in order at run time. */
    record IfLess(KeyBound x, KeyBound y, KeyBound a, KeyBound b) implements KeyBound {}

    KeyBound ZERO = new Lit(0), ONE = new Lit(1), KEYS = new Keys();

    static KeyBound lit(long v) { return new Lit(v); }

    static KeyBound of(Value v) { return new Of(v); }

    static KeyBound plus(KeyBound a, KeyBound b) {
        if (a instanceof Lit x && b instanceof Lit y) return lit(x.value() + y.value());
        if (b instanceof Lit y && y.value() == 0) return a;
        if (a instanceof Lit x && x.value() == 0) return b;
        // (e + c1) + c2 -> e + (c1 + c2)
        if (a instanceof Sum s && s.b() instanceof Lit c && b instanceof Lit y) return plus(s.a(), lit(c.value() + y.value()));
        if (a instanceof Lit) return plus(b, a);  // constants on the right
        return new Sum(a, b);
    }

    static KeyBound minus(KeyBound a, KeyBound b) { return plus(a, neg(b)); }

    static KeyBound neg(KeyBound a) {
        return switch (a) {
            case Lit x -> lit(-x.value());
            case Neg n -> n.a();
            case Sum s when s.b() instanceof Lit c -> plus(neg(s.a()), lit(-c.value()));  // -(e + c) -> -e + (-c)
            default -> new Neg(a);
        };
    }

    static KeyBound min(KeyBound a, KeyBound b) {
        if (a.equals(b)) return a;
        if (a instanceof Lit x && b instanceof Lit y) return lit(Math.min(x.value(), y.value()));
        return new Min(a, b);
    }

    static KeyBound max(KeyBound a, KeyBound b) {
        if (a.equals(b)) return a;
        if (a instanceof Lit x && b instanceof Lit y) return lit(Math.max(x.value(), y.value()));
        return new Max(a, b);
    }

    static KeyBound pick(Value cond, KeyBound a, KeyBound b) { return a.equals(b) ? a : new Pick(cond, a, b); }

    static KeyBound ifLess(KeyBound x, KeyBound y, KeyBound a, KeyBound b) {
        if (a.equals(b)) return a;
        if (x instanceof Lit p && y instanceof Lit r) return p.value() < r.value() ? a : b;
        return new IfLess(x, y, a, b);
    }

    /** The bound's value for query row q of sample b, head h, with Tk keys; region values come from {@code eval}. */
    default long at(RegionEval eval, long b, long h, long q, long tk) {
        return switch (this) {
            case Lit x -> x.value();
            case Keys k -> tk;
            case Of o -> (long) eval.valueOf(o.value(), b, h, q, 0);
            case Sum s -> s.a().at(eval, b, h, q, tk) + s.b().at(eval, b, h, q, tk);
            case Neg n -> -n.a().at(eval, b, h, q, tk);
            case Min m -> Math.min(m.a().at(eval, b, h, q, tk), m.b().at(eval, b, h, q, tk));
            case Max m -> Math.max(m.a().at(eval, b, h, q, tk), m.b().at(eval, b, h, q, tk));
            case Pick p -> eval.valueOf(p.cond(), b, h, q, 0) != 0 ? p.a().at(eval, b, h, q, tk) : p.b().at(eval, b, h, q, tk);
            case IfLess i -> i.x().at(eval, b, h, q, tk) < i.y().at(eval, b, h, q, tk) ? i.a().at(eval, b, h, q, tk) : i.b().at(eval, b, h, q, tk);
        };
    }

    /** Reads as code: {@code min(%8 + 1, Tk)}; region values as {@code %id}. */
    static String show(KeyBound x) {
        return switch (x) {
            case Lit l -> Long.toString(l.value());
            case Keys k -> "Tk";
            case Of o -> "%" + o.value().id();
            case Sum s -> s.b() instanceof Neg n ? show(s.a()) + " - " + show(n.a())
                    : s.b() instanceof Lit l && l.value() < 0 ? show(s.a()) + " - " + -l.value() : show(s.a()) + " + " + show(s.b());
            case Neg n -> "-(" + show(n.a()) + ")";
            case Min m -> "min(" + show(m.a()) + ", " + show(m.b()) + ")";
            case Max m -> "max(" + show(m.a()) + ", " + show(m.b()) + ")";
            case Pick p -> "(%" + p.cond().id() + " ? " + show(p.a()) + " : " + show(p.b()) + ")";
            case IfLess i -> "(" + show(i.x()) + " < " + show(i.y()) + " ? " + show(i.a()) + " : " + show(i.b()) + ")";
        };
    }
}
