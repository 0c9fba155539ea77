package strata.compiler.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Result types of the graph dialect's ops, from operand types and attributes; the law of each op. */
public final class ShapeRules {
    private ShapeRules() {}

    /**
     * The result type of {@code kind} applied to operands of the given types.
     *
     * @param declared the type written in the op, required for the ops whose {@link OpKind#declaresType()}
     * @throws ShapeError when the operands do not fit
     */
    public static TensorType infer(OpKind kind, List<TensorType> in, Map<String, Attr> attrs, TensorType declared) {
        if (kind.arity() >= 0 && in.size() != kind.arity())
            throw new ShapeError(kind.mnemonic() + " takes " + kind.arity() + " operand(s), got " + in.size());
        return switch (kind.category()) {
            case SOURCE -> require(kind, declared);
            case UNARY -> unary(kind, in.get(0), declared);
            case BINARY -> {
                sameDtype(kind, in.get(0), in.get(1));
                yield new TensorType(in.get(0).dtype(), broadcast(kind, in.get(0), in.get(1)));
            }
            case COMPARE -> {
                sameDtype(kind, in.get(0), in.get(1));
                yield new TensorType(DType.BOOL, broadcast(kind, in.get(0), in.get(1)));
            }
            case LOGIC -> {
                for (TensorType t : in) if (t.dtype() != DType.BOOL) throw new ShapeError(kind.mnemonic() + " needs bool operands, got " + t);
                yield new TensorType(DType.BOOL, broadcast(kind, in.get(0), in.get(1)));
            }
            case SELECT -> {
                if (in.get(0).dtype() != DType.BOOL) throw new ShapeError("select needs a bool condition, got " + in.get(0));
                sameDtype(kind, in.get(1), in.get(2));
                List<Dim> s = broadcastShapes(kind, in.get(0).shape(), broadcastShapes(kind, in.get(1).shape(), in.get(2).shape()));
                yield new TensorType(in.get(1).dtype(), s);
            }
            case REDUCE -> reduce(kind, in.get(0), attrs);
            case MOVEMENT -> movement(kind, in, attrs, declared);
            case CONTRACTION -> matmul(in.get(0), in.get(1), attrs);
            case COMPOSITE -> composite(kind, in, attrs);
        };
    }

    private static TensorType require(OpKind kind, TensorType declared) {
        if (declared == null) throw new ShapeError(kind.mnemonic() + " needs its result type written out");
        return declared;
    }

    private static TensorType unary(OpKind kind, TensorType x, TensorType declared) {
        return switch (kind) {
            case CAST -> {
                TensorType t = require(kind, declared);
                if (!t.shape().equals(x.shape())) throw new ShapeError("cast cannot change the shape " + x + " to " + t);
                yield t;
            }
            case NOT -> {
                if (x.dtype() != DType.BOOL) throw new ShapeError("not needs a bool operand, got " + x);
                yield x;
            }
            case NEG, ABS -> x;
            default -> {
                if (!x.dtype().isFloat()) throw new ShapeError(kind.mnemonic() + " needs a float operand, got " + x);
                yield x;
            }
        };
    }

    private static void sameDtype(OpKind kind, TensorType a, TensorType b) {
        if (a.dtype() != b.dtype())
            throw new ShapeError(kind.mnemonic() + " needs operands of one element type, got " + a + " and " + b);
    }

    private static List<Dim> broadcast(OpKind kind, TensorType a, TensorType b) {
        try {
            return broadcastShapes(kind, a.shape(), b.shape());
        } catch (ShapeError e) {
            throw new ShapeError("cannot " + verb(kind) + " " + a + " and " + b + ": " + e.getMessage());
        }
    }

    private static String verb(OpKind k) {
        return switch (k) {
            case ADD -> "add";
            case SUB -> "subtract";
            case MUL -> "multiply";
            case DIV -> "divide";
            default -> "combine (" + k.mnemonic() + ")";
        };
    }

    /** Numpy broadcasting: align right; a dim of 1 stretches; other dims must be equal. */
    public static List<Dim> broadcastShapes(OpKind kind, List<Dim> a, List<Dim> b) {
        int n = Math.max(a.size(), b.size());
        List<Dim> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int ia = a.size() - n + i, ib = b.size() - n + i;
            Dim da = ia >= 0 ? a.get(ia) : Dim.of(1), db = ib >= 0 ? b.get(ib) : Dim.of(1);
            if (da.equals(db) || isOne(db)) out.add(da);
            else if (isOne(da)) out.add(db);
            else throw new ShapeError("axis " + (i - n) + " is " + da + " on the left and " + db + " on the right");
        }
        return out;
    }

    private static boolean isOne(Dim d) { return d.isConstant() && d.value() == 1; }

    private static int axis(long axis, int rank, OpKind kind) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new ShapeError(kind.mnemonic() + ": axis " + axis + " is out of range for rank " + rank);
        return (int) a;
    }

    private static TensorType reduce(OpKind kind, TensorType x, Map<String, Attr> attrs) {
        List<Long> axes = attrs.get("axes") instanceof Attr.Ints l ? l.values() : List.of();
        boolean keep = attrs.get("keepdims") instanceof Attr.Bool b && b.value();
        if (kind == OpKind.ARGMAX && axes.size() != 1) throw new ShapeError("argmax takes exactly one axis");
        boolean[] reduced = new boolean[x.rank()];
        for (long a : axes) {
            int ax = axis(a, x.rank(), kind);
            if (reduced[ax]) throw new ShapeError(kind.mnemonic() + ": axis " + a + " is listed twice");
            reduced[ax] = true;
        }
        List<Dim> s = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++)
            if (!reduced[i]) s.add(x.dim(i));
            else if (keep) s.add(Dim.of(1));
        return new TensorType(kind == OpKind.ARGMAX ? DType.I64 : x.dtype(), s);
    }

    private static TensorType movement(OpKind kind, List<TensorType> in, Map<String, Attr> attrs, TensorType declared) {
        TensorType x = in.getFirst();
        switch (kind) {
            case RESHAPE -> {
                TensorType t = require(kind, declared);
                if (t.dtype() != x.dtype()) throw new ShapeError("reshape cannot change the element type of " + x + " to " + t);
                if (!t.numel().equals(x.numel()))
                    throw new ShapeError("cannot reshape " + x + " (" + x.numel() + " elements) to " + t + " (" + t.numel() + " elements)");
                return t;
            }
            case BROADCAST -> {
                TensorType t = require(kind, declared);
                List<Dim> s = broadcastShapes(kind, x.shape(), t.shape());
                if (!s.equals(t.shape()) || t.dtype() != x.dtype()) throw new ShapeError("cannot broadcast " + x + " to " + t);
                return t;
            }
            case PERMUTE -> {
                if (!(attrs.get("perm") instanceof Attr.Ints ints)) throw new ShapeError("missing integer-list attribute `perm`");
                List<Long> perm = ints.values();
                if (perm.size() != x.rank()) throw new ShapeError("permute of rank " + x.rank() + " got a permutation of length " + perm.size());
                boolean[] seen = new boolean[x.rank()];
                List<Dim> s = new ArrayList<>();
                for (long p : perm) {
                    int a = axis(p, x.rank(), kind);
                    if (seen[a]) throw new ShapeError("permute: " + perm + " is not a permutation");
                    seen[a] = true;
                    s.add(x.dim(a));
                }
                return x.withShape(s);
            }
            case SLICE -> {
                int a = axis(intAttr(attrs, "axis"), x.rank(), kind);
                Dim start = dimAttr(attrs, "start"), end = dimAttr(attrs, "end");
                long step = attrs.get("step") instanceof Attr.Int i ? i.value() : 1;
                if (step <= 0) throw new ShapeError("slice step must be positive, got " + step);
                Dim len = end.minus(start);
                if (len.isConstant() && len.value() < 0) throw new ShapeError("slice end " + end + " is before its start " + start);
                if (end.minus(x.dim(a)).isConstant() && end.minus(x.dim(a)).value() > 0)
                    throw new ShapeError("slice end " + end + " is past the size " + x.dim(a) + " of axis " + a);
                if (start.isConstant() && start.value() < 0) throw new ShapeError("slice start " + start + " is negative");
                Dim n = step == 1 ? len : len.plus(Dim.of(step - 1)).divExact(step).orElseGet(() -> {
                    if (!len.isConstant()) throw new ShapeError("a strided slice needs a constant length, got " + len);
                    return Dim.of((len.value() + step - 1) / step);
                });
                List<Dim> s = new ArrayList<>(x.shape());
                s.set(a, n);
                return x.withShape(s);
            }
            case CONCAT -> {
                if (in.isEmpty()) throw new ShapeError("concat needs at least one operand");
                int a = axis(intAttr(attrs, "axis"), x.rank(), kind);
                Dim total = Dim.of(0);
                for (TensorType t : in) {
                    if (t.rank() != x.rank() || t.dtype() != x.dtype()) throw new ShapeError("cannot concatenate " + x + " and " + t);
                    for (int i = 0; i < x.rank(); i++)
                        if (i != a && !t.dim(i).equals(x.dim(i)))
                            throw new ShapeError("cannot concatenate " + x + " and " + t + " along axis " + a + ": axis " + i + " differs");
                    total = total.plus(t.dim(a));
                }
                List<Dim> s = new ArrayList<>(x.shape());
                s.set(a, total);
                return x.withShape(s);
            }
            case PAD -> {
                int a = axis(intAttr(attrs, "axis"), x.rank(), kind);
                long before = intAttr(attrs, "before"), after = intAttr(attrs, "after");
                if (before < 0 || after < 0) throw new ShapeError("pad amounts must be >= 0");
                List<Dim> s = new ArrayList<>(x.shape());
                s.set(a, x.dim(a).plus(Dim.of(before + after)));
                return x.withShape(s);
            }
            case GATHER -> {
                TensorType idx = in.get(1);
                if (!idx.dtype().isInteger()) throw new ShapeError("gather needs integer indices, got " + idx);
                int a = axis(intAttr(attrs, "axis"), x.rank(), kind);
                List<Dim> s = new ArrayList<>(x.shape().subList(0, a));
                s.addAll(idx.shape());
                s.addAll(x.shape().subList(a + 1, x.rank()));
                return x.withShape(s);
            }
            case SCATTER_ADD -> {
                TensorType idx = in.get(1), upd = in.get(2);
                if (!idx.dtype().isInteger()) throw new ShapeError("scatter_add needs integer indices, got " + idx);
                int a = axis(intAttr(attrs, "axis"), x.rank(), kind);
                List<Dim> s = new ArrayList<>(x.shape().subList(0, a));
                s.addAll(idx.shape());
                s.addAll(x.shape().subList(a + 1, x.rank()));
                if (!upd.shape().equals(s) || upd.dtype() != x.dtype())
                    throw new ShapeError("scatter_add updates must be " + new TensorType(x.dtype(), s) + ", got " + upd);
                return x;
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    private static TensorType matmul(TensorType a, TensorType b, Map<String, Attr> attrs) {
        boolean ta = attrs.get("transpose_a") instanceof Attr.Bool x && x.value();
        boolean tb = attrs.get("transpose_b") instanceof Attr.Bool x && x.value();
        if (a.rank() < 2 || b.rank() < 2) throw new ShapeError("matmul needs operands of rank >= 2, got " + a + " and " + b);
        if (a.dtype() != b.dtype()) throw new ShapeError("matmul needs operands of one element type, got " + a + " and " + b);
        Dim m = ta ? a.dim(-1) : a.dim(-2), ka = ta ? a.dim(-2) : a.dim(-1);
        Dim kb = tb ? b.dim(-1) : b.dim(-2), n = tb ? b.dim(-2) : b.dim(-1);
        if (!ka.equals(kb))
            throw new ShapeError("cannot multiply " + a + " by " + b + ": the inner dims " + ka + " and " + kb + " differ");
        List<Dim> batch;
        try {
            batch = broadcastShapes(OpKind.MATMUL, a.shape().subList(0, a.rank() - 2), b.shape().subList(0, b.rank() - 2));
        } catch (ShapeError e) {
            throw new ShapeError("cannot multiply " + a + " by " + b + ": batch " + e.getMessage());
        }
        List<Dim> s = new ArrayList<>(batch);
        s.add(m);
        s.add(n);
        return a.withShape(s);
    }

    private static TensorType composite(OpKind kind, List<TensorType> in, Map<String, Attr> attrs) {
        TensorType x = in.getFirst();
        switch (kind) {
            case SOFTMAX -> {
                axis(intAttr(attrs, "axis"), x.rank(), kind);
                floatOperand(kind, x);
                return x;
            }
            case GELU, DROPOUT -> {
                floatOperand(kind, x);
                return x;
            }
            case LAYER_NORM, RMS_NORM -> {
                if (in.isEmpty() || in.size() > 3) throw new ShapeError(kind.mnemonic() + " takes x and an optional gain and bias");
                floatOperand(kind, x);
                if (x.rank() < 1) throw new ShapeError(kind.mnemonic() + " needs a rank >= 1 operand");
                for (TensorType g : in.subList(1, in.size()))
                    if (g.rank() != 1 || !g.dim(0).equals(x.dim(-1)) || g.dtype() != x.dtype())
                        throw new ShapeError(kind.mnemonic() + " over " + x + " needs gain/bias of type "
                                + new TensorType(x.dtype(), List.of(x.dim(-1))) + ", got " + g);
                return x;
            }
            case CROSS_ENTROPY -> {
                TensorType t = in.get(1);
                floatOperand(kind, x);
                if (!t.dtype().isInteger()) throw new ShapeError("cross_entropy needs integer targets, got " + t);
                if (!x.shape().subList(0, x.rank() - 1).equals(t.shape()))
                    throw new ShapeError("cross_entropy of logits " + x + " needs targets of shape " + x.shape().subList(0, x.rank() - 1) + ", got " + t);
                return new TensorType(x.dtype(), t.shape());
            }
            case ATTENTION_GRAD -> {
                TensorType o = composite(OpKind.ATTENTION, in.subList(0, 3), attrs);
                if (!in.get(3).equals(o)) throw new ShapeError("attention_grad needs an output adjoint of type " + o + ", got " + in.get(3));
                String wrt = attrs.get("wrt") instanceof Attr.Str s ? s.value() : "";
                return switch (wrt) {
                    case "q" -> in.get(0);
                    case "k" -> in.get(1);
                    case "v" -> in.get(2);
                    case "score" -> o.withShape(List.of(o.dim(0), o.dim(1), o.dim(2), in.get(1).dim(2)));
                    default -> throw new ShapeError("attention_grad needs a string attribute `wrt`: q, k, v or score, got `" + wrt + "`");
                };
            }
            case ATTENTION -> {
                TensorType q = in.get(0), k = in.get(1), v = in.get(2);
                for (TensorType t : in)
                    if (t.rank() != 4) throw new ShapeError("attention needs q, k, v of shape [B, H, T, D], got " + t);
                if (!q.dim(0).equals(k.dim(0)) || !k.dim(0).equals(v.dim(0)))
                    throw new ShapeError("attention: batch sizes differ: q " + q + ", k " + k + ", v " + v);
                if (!k.dim(1).equals(v.dim(1)) || !k.dim(2).equals(v.dim(2)))
                    throw new ShapeError("attention: k " + k + " and v " + v + " need the same heads and length");
                if (!q.dim(3).equals(k.dim(3)))
                    throw new ShapeError("attention: q " + q + " and k " + k + " need the same head size");
                Dim h = q.dim(1), hkv = k.dim(1);
                if (h.divExact(hkv).isEmpty())
                    throw new ShapeError("attention: " + h + " query heads are not a multiple of " + hkv + " key/value heads");
                return q.withShape(List.of(q.dim(0), q.dim(1), q.dim(2), v.dim(3)));
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    private static void floatOperand(OpKind kind, TensorType x) {
        if (!x.dtype().isFloat()) throw new ShapeError(kind.mnemonic() + " needs a float operand, got " + x);
    }

    private static long intAttr(Map<String, Attr> attrs, String name) {
        if (attrs.get(name) instanceof Attr.Int i) return i.value();
        throw new ShapeError("missing integer attribute `" + name + "`");
    }

    private static Dim dimAttr(Map<String, Attr> attrs, String name) {
        Attr a = attrs.get(name);
        if (a instanceof Attr.DimAttr d) return d.value();
        if (a instanceof Attr.Int i) return Dim.of(i.value());
        throw new ShapeError("missing dimension attribute `" + name + "`");
    }
}
