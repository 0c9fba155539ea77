package strata.compiler.front;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.ShapeError;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.grammar.CompileError;
import strata.grammar.Span;
import strata.grammar.ast.Expr;

/**
 * Operators on values: folded at compile time when both sides are known, graph ops when a
 * tensor is involved (with numbers promoted to the tensor's element type), mask combinators
 * when both sides are masks.
 */
final class TensorOps {
    private final Evaluator ev;

    TensorOps(Evaluator ev) { this.ev = ev; }

    Val dimVal(Dim d) { return d.isConstant() ? new Val.Int(d.value()) : new Val.DimV(d); }

    // ---------------------------------------------------------------- binary operators

    Val binary(String op, Val a, Val b, Expr site) {
        Span span = site.span();
        if (a instanceof Val.Poison || b instanceof Val.Poison) return Val.POISON;
        if (a instanceof Val.Mask || b instanceof Val.Mask) return maskBinary(op, a, b, span);
        if (a instanceof Val.Tensor || b instanceof Val.Tensor) return tensorBinary(op, a, b, site);
        return fold(op, a, b, span);
    }

    private Val maskBinary(String op, Val a, Val b, Span span) {
        if (a instanceof Val.Mask ma && b instanceof Val.Mask mb && !ma.mask().isScore() && !mb.mask().isScore()) {
            if (op.equals("and")) return new Val.Mask(new MaskValue.And(ma.mask(), mb.mask()));
            if (op.equals("or")) return new Val.Mask(new MaskValue.Or(ma.mask(), mb.mask()));
        }
        if ((op.equals("==") || op.equals("!=")) && (a instanceof Val.None || b instanceof Val.None))
            return new Val.Bool(op.equals("!="));
        throw new CompileError(span, "masks combine with and, or and not; cannot apply `" + op + "` to "
                + Val.describe(a) + " and " + Val.describe(b));
    }

    private Val fold(String op, Val a, Val b, Span span) {
        if (op.equals("==") || op.equals("!=")) {
            boolean eq = knownEqual(a, b);
            return new Val.Bool(op.equals("==") == eq);
        }
        if (a instanceof Val.Bool x && b instanceof Val.Bool y) {
            if (op.equals("and")) return new Val.Bool(x.value() && y.value());
            if (op.equals("or")) return new Val.Bool(x.value() || y.value());
        }
        if ((a instanceof Val.DimV || b instanceof Val.DimV) && isIntLike(a) && isIntLike(b)) return foldDim(op, ev.dimOf(a, span), ev.dimOf(b, span), span);
        if (a instanceof Val.Int x && b instanceof Val.Int y) {
            try {
                return foldInt(op, x.value(), y.value(), a, b, span);
            } catch (ArithmeticException e) {
                throw new CompileError(span, x.value() + " " + op + " " + y.value() + " overflows a 64-bit integer",
                        "write the number as a float (e.g. 4294967296.0) if it need not be exact");
            }
        }
        if (isNumber(a) && isNumber(b)) {
            double l = ev.floatOf(a, span), r = ev.floatOf(b, span);
            return switch (op) {
                case "+" -> new Val.Float(l + r);
                case "-" -> new Val.Float(l - r);
                case "*" -> new Val.Float(l * r);
                case "/" -> new Val.Float(l / r);
                case "%" -> new Val.Float(l - Math.floor(l / r) * r);
                case "**" -> new Val.Float(Math.pow(l, r));
                case "<" -> new Val.Bool(l < r);
                case "<=" -> new Val.Bool(l <= r);
                case ">" -> new Val.Bool(l > r);
                case ">=" -> new Val.Bool(l >= r);
                default -> throw bad(op, a, b, span);
            };
        }
        throw bad(op, a, b, span);
    }

    private Val foldInt(String op, long l, long r, Val a, Val b, Span span) {
        return switch (op) {
            case "+" -> new Val.Int(Math.addExact(l, r));
            case "-" -> new Val.Int(Math.subtractExact(l, r));
            case "*" -> new Val.Int(Math.multiplyExact(l, r));
            // exact division of integers stays an integer (d / heads); otherwise a float (8 * d / 3)
            case "/" -> {
                if (r == 0) throw new CompileError(span, "division by zero");
                yield l % r == 0 ? new Val.Int(l / r) : new Val.Float((double) l / r);
            }
            case "%" -> {
                if (r == 0) throw new CompileError(span, "division by zero");
                yield new Val.Int(Math.floorMod(l, r));
            }
            case "**" -> r >= 0 ? new Val.Int((long) Math.pow(l, r)) : new Val.Float(Math.pow(l, r));
            case "<" -> new Val.Bool(l < r);
            case "<=" -> new Val.Bool(l <= r);
            case ">" -> new Val.Bool(l > r);
            case ">=" -> new Val.Bool(l >= r);
            default -> throw bad(op, a, b, span);
        };
    }

    private Val foldDim(String op, Dim l, Dim r, Span span) {
        switch (op) {
            case "+": return dimVal(l.plus(r));
            case "-": return dimVal(l.minus(r));
            case "*": return dimVal(l.times(r));
            case "/":
                return l.divExact(r).map(this::dimVal).orElseThrow(() -> new CompileError(span,
                        "cannot divide the dimension " + l + " by " + r + " exactly"));
            default:
                Dim diff = l.minus(r);
                if (diff.isConstant()) {
                    long d = diff.value();
                    switch (op) {
                        case "<": return new Val.Bool(d < 0);
                        case "<=": return new Val.Bool(d <= 0);
                        case ">": return new Val.Bool(d > 0);
                        case ">=": return new Val.Bool(d >= 0);
                        default: break;
                    }
                }
                if (List.of("<", "<=", ">", ">=").contains(op)) return Val.NONE; // depends on the sizes given at run time
                throw new CompileError(span, "cannot apply `" + op + "` to the dimensions " + l + " and " + r);
        }
    }

    private static boolean knownEqual(Val a, Val b) {
        if (a instanceof Val.Int x && b instanceof Val.Float y) return x.value() == y.value();
        if (a instanceof Val.Float x && b instanceof Val.Int y) return x.value() == y.value();
        if (a instanceof Val.DimV x && b instanceof Val.Int y) return x.dim().equals(Dim.of(y.value()));
        if (a instanceof Val.Int x && b instanceof Val.DimV y) return y.dim().equals(Dim.of(x.value()));
        return a.equals(b);
    }

    private static boolean isIntLike(Val v) { return v instanceof Val.Int || v instanceof Val.DimV; }

    private static boolean isNumber(Val v) { return v instanceof Val.Int || v instanceof Val.Float || v instanceof Val.DimV; }

    private static CompileError bad(String op, Val a, Val b, Span span) {
        return new CompileError(span, "cannot apply `" + op + "` to " + Val.describe(a) + " and " + Val.describe(b));
    }

    private Val tensorBinary(String op, Val a, Val b, Expr site) {
        Span span = site.span();
        if (op.equals("==") || op.equals("!=")) {
            if (a instanceof Val.None || b instanceof Val.None) return new Val.Bool(op.equals("!="));
        }
        Value x = asTensor(a, b, span), y = asTensor(b, a, span);
        DType common = promote(x.type().dtype(), y.type().dtype(), op, span);
        if (op.equals("/") && common.isInteger()) common = DType.F32;
        x = cast(x, common);
        y = cast(y, common);
        OpKind kind = switch (op) {
            case "+" -> OpKind.ADD;
            case "-" -> OpKind.SUB;
            case "*" -> OpKind.MUL;
            case "/" -> OpKind.DIV;
            case "%" -> OpKind.MOD;
            case "**" -> OpKind.POW;
            case "@" -> OpKind.MATMUL;
            case "==" -> OpKind.EQ;
            case "!=" -> OpKind.NE;
            case "<" -> OpKind.LT;
            case "<=" -> OpKind.LE;
            case ">" -> OpKind.GT;
            case ">=" -> OpKind.GE;
            case "and" -> OpKind.AND;
            case "or" -> OpKind.OR;
            default -> throw new CompileError(span, "unknown operator " + op);
        };
        try {
            Value r = ev.graph.op(kind, x, y);
            return new Val.Tensor(r);
        } catch (ShapeError e) {
            throw new CompileError(span, e.getMessage(), shapeHint(kind, x.type(), y.type(), site));
        }
    }

    private static String shapeHint(OpKind kind, TensorType a, TensorType b, Expr site) {
        String sides = site instanceof Expr.Binary bin
                ? "the left side `" + ExprText.of(bin.left()) + "` is " + a + ", the right side `" + ExprText.of(bin.right()) + "` is " + b
                : null;
        if ((kind == OpKind.ADD || kind == OpKind.SUB) && a.rank() > 0 && b.rank() > 0 && a.dim(-1).isConstant() && b.dim(-1).isConstant()) {
            long l = a.dim(-1).value(), r = b.dim(-1).value();
            if (l != r && (l % r == 0 || r % l == 0))
                return (sides == null ? "" : sides + "; ") + "did you forget a projection back to " + Math.min(l, r) + "?";
        }
        if (kind == OpKind.MATMUL) return (sides == null ? "" : sides + "; ") + "the left's last axis must equal the right's second to last; transpose with ^T?";
        return sides;
    }

    /** Both operands cast to their common element type. */
    Value[] promoted(Value x, Value y, String op, Span span) {
        DType common = promote(x.type().dtype(), y.type().dtype(), op, span);
        return new Value[] {cast(x, common), cast(y, common)};
    }

    /** The common element type of a binary op: ints widen to i64, and to float when mixed with floats. */
    private DType promote(DType a, DType b, String op, Span span) {
        if (a == b) return a;
        if (a == DType.BOOL || b == DType.BOOL)
            throw new CompileError(span, "cannot apply `" + op + "` to " + a + " and " + b, "convert with cast(x, f32)");
        if (a.isFloat() && b.isFloat()) return DType.F32; // bf16 with f16: neither holds the other
        if (a.isFloat()) return a;
        if (b.isFloat()) return b;
        return DType.I64;
    }

    Value cast(Value v, DType to) {
        if (v.type().dtype() == to) return v;
        return ev.graph.op(OpKind.CAST, List.of(v), Map.of(), v.type().withDtype(to), List.of());
    }

    /** A value as a tensor; a number becomes a scalar constant of the other side's element type. */
    Value asTensor(Val v, Val other, Span span) {
        if (v instanceof Val.Tensor t) return t.value();
        DType like = other instanceof Val.Tensor t ? t.value().type().dtype() : DType.F32;
        return switch (v) {
            case Val.Int i -> ev.graph.constant(i.value(), TensorType.scalar(like == DType.BOOL ? DType.I64 : like));
            case Val.Float f -> ev.graph.constant(f.value(), TensorType.scalar(like.isFloat() ? like : DType.F32));
            case Val.Bool b -> ev.graph.constant(b.value() ? 1 : 0, TensorType.scalar(DType.BOOL));
            case Val.DimV d when d.dim().isConstant() -> ev.graph.constant(d.dim().value(), TensorType.scalar(like));
            default -> throw new CompileError(span, "cannot use " + Val.describe(v) + " as a tensor"
                    + (v instanceof Val.DimV ? " (a symbolic size is not a run-time value; use arange or an input)" : ""));
        };
    }

    // ---------------------------------------------------------------- unary operators

    Val unary(String op, Val v, Span span) {
        return switch (v) {
            case Val.Poison p -> p;
            case Val.Int i when op.equals("-") -> new Val.Int(-i.value());
            case Val.Float f when op.equals("-") -> new Val.Float(-f.value());
            case Val.DimV d when op.equals("-") -> dimVal(d.dim().times(-1));
            case Val.Bool b when op.equals("not") -> new Val.Bool(!b.value());
            case Val.Mask m when op.equals("not") && !m.mask().isScore() -> new Val.Mask(new MaskValue.Not(m.mask()));
            case Val.Tensor t when op.equals("-") -> new Val.Tensor(ev.graph.op(OpKind.NEG, t.value()));
            case Val.Tensor t when op.equals("not") -> {
                if (t.value().type().dtype() != DType.BOOL) throw new CompileError(span, "`not` needs a bool tensor, got " + t.value().type());
                yield new Val.Tensor(ev.graph.op(OpKind.NOT, t.value()));
            }
            default -> throw new CompileError(span, "cannot apply `" + op + "` to " + Val.describe(v));
        };
    }

    /** {@code x^T}: swap the last two axes. */
    Val transpose(Val v, Span span) {
        if (v instanceof Val.Poison) return v;
        if (!(v instanceof Val.Tensor t) || t.value().type().rank() < 2)
            throw new CompileError(span, "^T swaps the last two axes of a tensor of rank >= 2, got " + Val.describe(v));
        int r = t.value().type().rank();
        List<Long> perm = new ArrayList<>();
        for (long i = 0; i < r; i++) perm.add(i);
        perm.set(r - 2, (long) r - 1);
        perm.set(r - 1, (long) r - 2);
        return permute(t.value(), perm, span);
    }

    Val permute(Value v, List<Long> perm, Span span) {
        try {
            return new Val.Tensor(ev.graph.op(OpKind.PERMUTE, List.of(v), Map.of("perm", new Attr.Ints(perm))));
        } catch (ShapeError e) {
            throw new CompileError(span, e.getMessage());
        }
    }

    Val sliceAxis(Val.Tensor t, int axis, long start, long end, Span span) {
        return slice(t.value(), axis, Dim.of(start), Dim.of(end), 1, span);
    }

    Val.Tensor slice(Value v, int axis, Dim start, Dim end, long step, Span span) {
        int a = axis < 0 ? axis + v.type().rank() : axis;
        try {
            return new Val.Tensor(ev.graph.op(OpKind.SLICE, List.of(v), Map.of("axis", new Attr.Int(a),
                    "start", new Attr.DimAttr(start), "end", new Attr.DimAttr(end), "step", new Attr.Int(step))));
        } catch (ShapeError e) {
            throw new CompileError(span, e.getMessage());
        }
    }

    Val.Tensor reshape(Value v, List<Dim> shape, Span span) {
        TensorType t = v.type().withShape(shape);
        if (t.equals(v.type())) return new Val.Tensor(v);
        try {
            return new Val.Tensor(ev.graph.op(OpKind.RESHAPE, List.of(v), Map.of(), t, List.of()));
        } catch (ShapeError e) {
            throw new CompileError(span, e.getMessage());
        }
    }
}
