package strata.compiler.masks;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.DType;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.Value;
import strata.compiler.interp.RefTensor;

/**
 * Abstract interpretation of a mask region over a rectangle of cells: q in [q0, q1], k in
 * [k0, k1] (or, on the diagonal, k = q), for one (b, h). Numbers are affine forms over atoms
 * with ranges; booleans are three-valued. TRUE means every cell of the rectangle is visible,
 * FALSE none, UNKNOWN that the analysis cannot tell; TRUE and FALSE are never wrong, because
 * each step over-approximates the set of values a term takes (interval arithmetic, Kleene logic),
 * and reads of data take the range of the data over the indices they may use.
 */
public final class AbstractMask {
    /** The cells: one (b, h), q in [q0, q1], k in [k0, k1]; diagonal puts k = q instead. */
    public record Box(long b, long h, long q0, long q1, long k0, long k1, boolean diagonal) {
        public static Box tile(long b, long h, long q0, long q1, long k0, long k1) { return new Box(b, h, q0, q1, k0, k1, false); }

        public static Box diagonal(long b, long h, long q0, long q1) { return new Box(b, h, q0, q1, q0, q1, true); }
    }

    private sealed interface A {}
    private record Num(Affine form) implements A {}
    private record Bool(Bool3 v) implements A {}
    /** A read of data with some axes still free (the steps of seg[b, q]). */
    private record Part(Value table, Affine[] index) implements A {}

    private static final int Q = 0, K = 1, B = 2, H = 3;

    private final MaskData data;
    private final Map<Integer, Interval> atoms = new HashMap<>();
    private final Map<String, Integer> reads = new HashMap<>();
    private final Map<Value, A> values = new HashMap<>();

    private AbstractMask(MaskData data) { this.data = data; }

    /** What the mask is over the box: the region's yield as a three-valued bool. */
    public static Bool3 eval(Region r, MaskData data, Box box) {
        return new AbstractMask(data).run(r, box);
    }

    private Bool3 run(Region r, Box box) {
        atoms.put(Q, new Interval(box.q0(), box.q1()));
        atoms.put(K, new Interval(box.k0(), box.k1()));
        atoms.put(B, Interval.point(box.b()));
        atoms.put(H, Interval.point(box.h()));
        List<Value> args = r.args();
        values.put(args.get(0), new Num(Affine.of(box.b())));
        values.put(args.get(1), new Num(Affine.of(box.h())));
        values.put(args.get(2), new Num(Affine.atom(Q)));
        values.put(args.get(3), new Num(Affine.atom(box.diagonal() ? Q : K)));
        for (Op op : r.ops()) values.put(op.result(), op(op));
        return bool(get(r.yield()));
    }

    private A get(Value v) {
        A a = values.get(v);
        return a != null ? a : new Part(v, new Affine[v.type().rank()]);  // captured data
    }

    private A op(Op op) {
        List<Value> in = op.operands();
        boolean isBool = op.type().dtype() == DType.BOOL;
        return switch (op.kind()) {
            case CONST -> {
                double v = op.attrs().get("value") instanceof strata.compiler.graph.Attr.Bool b ? (b.value() ? 1 : 0) : op.floatAttr("value", 0);
                yield isBool ? new Bool(Bool3.of(v != 0)) : new Num(Affine.of(v));
            }
            case NEG -> new Num(num(in.get(0)).times(-1));
            case ADD -> new Num(num(in.get(0)).plus(num(in.get(1))));
            case SUB -> new Num(num(in.get(0)).minus(num(in.get(1))));
            case MUL -> mul(num(in.get(0)), num(in.get(1)));
            case DIV, MOD -> divMod(op, num(in.get(0)), num(in.get(1)));
            case MIN, MAX -> minMax(op, num(in.get(0)), num(in.get(1)));
            case ABS -> opaque(range(num(in.get(0))).abs());
            case EQ, NE, LT, LE, GT, GE -> new Bool(compare(op, in.get(0), in.get(1)));
            case AND -> new Bool(boolOf(in.get(0)).and(boolOf(in.get(1))));
            case OR -> new Bool(boolOf(in.get(0)).or(boolOf(in.get(1))));
            case NOT -> new Bool(boolOf(in.get(0)).not());
            case SELECT -> select(boolOf(in.get(0)), get(in.get(1)), get(in.get(2)));
            case CAST -> cast(get(in.get(0)), op.type().dtype());
            case GATHER -> gather(op, get(in.get(0)), num(in.get(1)));
            default -> opaque(Interval.ALL);  // float functions and the rest: any value, still sound
        };
    }

    private A mul(Affine x, Affine y) {
        if (x.isConstant()) return new Num(y.times(x.constant()));
        if (y.isConstant()) return new Num(x.times(y.constant()));
        return opaque(range(x).times(range(y)));
    }

    // integer division and modulo floor (Math.floorDiv, floorMod), as the interpreter does
    private A divMod(Op op, Affine x, Affine y) {
        boolean integer = op.type().dtype().isInteger();
        if (x.isConstant() && y.isConstant() && y.constant() != 0) {
            double a = x.constant(), c = y.constant();
            double r = op.kind() == OpKind.DIV ? (integer ? Math.floor(a / c) : a / c) : a - c * Math.floor(a / c);
            return new Num(Affine.of(r));
        }
        if (!y.isConstant() || y.constant() <= 0) return opaque(Interval.ALL);
        double c = y.constant();
        Interval r = range(x);
        if (op.kind() == OpKind.MOD)
            return integer && r.lo() >= 0 && r.hi() < c ? new Num(x) : opaque(new Interval(0, c));
        return opaque(integer ? new Interval(Math.floor(r.lo() / c), Math.floor(r.hi() / c)) : r.times(1 / c));
    }

    private A minMax(Op op, Affine x, Affine y) {
        Interval d = range(x.minus(y));
        boolean min = op.kind() == OpKind.MIN;
        if (d.hi() <= 0) return new Num(min ? x : y);
        if (d.lo() >= 0) return new Num(min ? y : x);
        return opaque(min ? range(x).min(range(y)) : range(x).max(range(y)));
    }

    private Bool3 compare(Op op, Value l, Value r) {
        if (get(l) instanceof Bool || get(r) instanceof Bool) {
            Bool3 a = boolOf(l), b = boolOf(r);
            if (a == Bool3.UNKNOWN || b == Bool3.UNKNOWN) return Bool3.UNKNOWN;
            return switch (op.kind()) {
                case EQ -> Bool3.of(a == b);
                case NE -> Bool3.of(a != b);
                default -> compareRange(op.kind(), new Interval(ord(a) - ord(b), ord(a) - ord(b)));
            };
        }
        return compareRange(op.kind(), range(num(l).minus(num(r))));
    }

    private static double ord(Bool3 b) { return b == Bool3.TRUE ? 1 : 0; }

    /** The verdict on {@code l op r} from the range d of l - r. */
    private static Bool3 compareRange(OpKind op, Interval d) {
        return switch (op) {
            case LT -> d.hi() < 0 ? Bool3.TRUE : d.lo() >= 0 ? Bool3.FALSE : Bool3.UNKNOWN;
            case LE -> d.hi() <= 0 ? Bool3.TRUE : d.lo() > 0 ? Bool3.FALSE : Bool3.UNKNOWN;
            case GT -> d.lo() > 0 ? Bool3.TRUE : d.hi() <= 0 ? Bool3.FALSE : Bool3.UNKNOWN;
            case GE -> d.lo() >= 0 ? Bool3.TRUE : d.hi() < 0 ? Bool3.FALSE : Bool3.UNKNOWN;
            case EQ -> d.isPoint() && d.lo() == 0 ? Bool3.TRUE : !d.contains(0) ? Bool3.FALSE : Bool3.UNKNOWN;
            case NE -> d.isPoint() && d.lo() == 0 ? Bool3.FALSE : !d.contains(0) ? Bool3.TRUE : Bool3.UNKNOWN;
            default -> throw new IllegalStateException(op.toString());
        };
    }

    private A select(Bool3 c, A x, A y) {
        if (c == Bool3.TRUE) return x;
        if (c == Bool3.FALSE) return y;
        if (x instanceof Bool bx && y instanceof Bool by) return new Bool(bx.v().join(by.v()));
        return opaque(range(asNum(x)).hull(range(asNum(y))));
    }

    private A cast(A x, DType to) {
        if (to == DType.BOOL) return x instanceof Bool b ? b : new Bool(compareRange(OpKind.NE, range(asNum(x))));
        if (x instanceof Bool b) return b.v() == Bool3.UNKNOWN ? opaque(new Interval(0, 1)) : new Num(Affine.of(ord(b.v())));
        if (!to.isInteger()) return x;
        Affine f = asNum(x);  // float to integer truncates: the range widens to whole numbers around it
        Interval r = range(f);
        return f.isConstant() ? new Num(Affine.of((long) f.constant())) : opaque(new Interval(Math.floor(r.lo()), Math.ceil(r.hi())));
    }

    private A gather(Op op, A table, Affine index) {
        if (!(table instanceof Part p)) throw new IllegalStateException("gather from a non-tensor in a mask region");
        Affine[] idx = p.index().clone();
        int axis = (int) op.intAttr("axis"), free = -1;
        for (int i = 0; i < idx.length; i++) if (idx[i] == null && ++free == axis) { idx[i] = index; break; }
        for (Affine a : idx) if (a == null) return new Part(p.table(), idx);
        return read(p.table(), idx, op.type().dtype());
    }

    /** A scalar read of data: a constant when the data and the index are known, else an atom over its range. */
    private A read(Value table, Affine[] idx, DType dtype) {
        StringBuilder key = new StringBuilder("%" + table.id());
        for (Affine a : idx) key.append('[').append(a.key()).append(']');
        Integer known = reads.get(key.toString());
        Interval r;
        if (known != null) r = atoms.get(known);
        else r = switch (data) {
            case MaskData.Any any -> MaskData.domain(table.type().dtype(), any.t());
            case MaskData.Given g -> rangeOf(g.of(table), idx);
        };
        if (dtype == DType.BOOL) return new Bool(r.lo() > 0 || r.hi() < 0 ? Bool3.TRUE : r.isPoint() ? Bool3.FALSE : Bool3.UNKNOWN);
        if (r.isPoint()) return new Num(Affine.of(r.lo()));
        if (known != null) return new Num(Affine.atom(known));
        int id = atoms.size();
        atoms.put(id, r);
        reads.put(key.toString(), id);
        return new Num(Affine.atom(id));
    }

    /** The range of t over every index the forms may take, clipped to t's shape. */
    private Interval rangeOf(RefTensor t, Affine[] idx) {
        long[] shape = t.shape(), lo = new long[idx.length], hi = new long[idx.length];
        long count = 1;
        for (int i = 0; i < idx.length; i++) {
            Interval r = range(idx[i]);
            lo[i] = Math.max(0, (long) Math.ceil(r.lo()));
            hi[i] = Math.min(shape[i] - 1, (long) Math.floor(r.hi()));
            if (lo[i] > hi[i])
                throw new MaskReadOutOfRange("the mask reads data of shape " + java.util.Arrays.toString(shape) + " at axis " + i + " in [" + r.lo() + ", " + r.hi() + "]");
            count *= hi[i] - lo[i] + 1;
        }
        double a = Double.POSITIVE_INFINITY, b = Double.NEGATIVE_INFINITY;
        if (count > (1 << 16)) {  // a wide read: the range of the whole tensor still bounds it
            for (int i = 0; i < t.size(); i++) { a = Math.min(a, t.at(i)); b = Math.max(b, t.at(i)); }
            return new Interval(a, b);
        }
        long[] at = lo.clone();
        while (true) {
            double v = t.get(at);
            a = Math.min(a, v);
            b = Math.max(b, v);
            int i = at.length - 1;
            while (i >= 0 && at[i] == hi[i]) { at[i] = lo[i]; i--; }
            if (i < 0) return new Interval(a, b);
            at[i]++;
        }
    }

    private A opaque(Interval r) {
        if (r.isPoint()) return new Num(Affine.of(r.lo()));
        int id = atoms.size();
        atoms.put(id, r);
        return new Num(Affine.atom(id));
    }

    private Interval range(Affine a) { return a.range(atoms); }

    private Affine num(Value v) { return asNum(get(v)); }

    private Affine asNum(A a) {
        return switch (a) {
            case Num n -> n.form();
            case Bool b -> b.v() == Bool3.UNKNOWN ? ((Num) opaque(new Interval(0, 1))).form() : Affine.of(ord(b.v()));
            case Part p -> asNum(read(p.table(), p.index(), p.table().type().dtype()));
        };
    }

    private Bool3 boolOf(Value v) { return bool(get(v)); }

    private Bool3 bool(A a) {
        return switch (a) {
            case Bool b -> b.v();
            case Num n -> compareRange(OpKind.NE, range(n.form()));
            case Part p -> bool(read(p.table(), p.index(), p.table().type().dtype()));
        };
    }
}
