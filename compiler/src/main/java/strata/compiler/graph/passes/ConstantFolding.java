package strata.compiler.graph.passes;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Value;

/**
 * Evaluates elementwise ops and movement ops whose operands are all {@code const} fills (a
 * {@code const} is one scalar broadcast to its type, so the result is again a fill). Folds only
 * where the result is exact in the op's element type: f32 arithmetic is rounded to float like the
 * kernels do; bf16 and f16 arithmetic, erf, integer division and casts from float to integer are
 * left alone. A fold is pure: it returns the fill value and builds no IR.
 */
final class ConstantFolding {
    private ConstantFolding() {}

    /** The fill value of {@code const} ops' attribute as a double (booleans as 0 and 1). */
    static Optional<Double> value(Attr a) {
        return switch (a) {
            case Attr.Float f -> Optional.of(f.value());
            case Attr.Int i -> Optional.of((double) i.value());
            case Attr.Bool b -> Optional.of(b.value() ? 1.0 : 0.0);
            case null, default -> Optional.empty();
        };
    }

    /** The fill value of {@code op}'s result, when every operand is a known fill. */
    static Optional<Attr> fold(Op op, Function<Value, Optional<Double>> fill) {
        OpKind k = op.kind();
        boolean movement = k == OpKind.RESHAPE || k == OpKind.BROADCAST || k == OpKind.PERMUTE;
        if (!k.isElementwise() && !movement) return Optional.empty();
        List<Double> in = new ArrayList<>();
        for (Value v : op.operands()) {
            Optional<Double> c = fill.apply(v);
            if (c.isEmpty()) return Optional.empty();
            in.add(c.get());
        }
        DType out = op.type().dtype(), operand = op.operands().get(k == OpKind.SELECT ? 1 : 0).type().dtype();
        // reshape, broadcast, permute of a fill: the same fill; select(c, a, b): c ? a : b
        if (movement) return Optional.of(attr(in.get(0), out));
        if (k == OpKind.SELECT) return Optional.of(attr(in.get(0) != 0 ? in.get(1) : in.get(2), out));
        if (k == OpKind.CAST) return cast(in.get(0), operand, out);
        Optional<Double> r = operand == DType.BOOL ? logic(k, in)
                : operand.isInteger() ? integer(k, in)
                : operand == DType.F32 || k.category() == OpKind.Category.COMPARE ? floating(k, in)
                : Optional.empty();
        return r.map(x -> attr(x, out));
    }

    private static Optional<Double> logic(OpKind k, List<Double> in) {
        boolean a = in.get(0) != 0, b = in.size() > 1 && in.get(1) != 0;
        return switch (k) {
            case NOT -> bool(!a);
            case AND -> bool(a && b);
            case OR -> bool(a || b);
            case EQ -> bool(a == b);
            case NE -> bool(a != b);
            default -> Optional.empty();
        };
    }

    /** Integer arithmetic, exact while the operands stay within a double's 53-bit mantissa. */
    private static Optional<Double> integer(OpKind k, List<Double> in) {
        for (double x : in) if (Math.abs(x) > (1L << 52)) return Optional.empty();
        long a = in.get(0).longValue(), b = in.size() > 1 ? in.get(1).longValue() : 0;
        Optional<Long> r = switch (k) {
            case NEG -> Optional.of(-a);
            case ABS -> Optional.of(Math.abs(a));
            case ADD -> Optional.of(a + b);
            case SUB -> Optional.of(a - b);
            case MUL -> Math.abs(a) < (1L << 26) && Math.abs(b) < (1L << 26) ? Optional.of(a * b) : Optional.empty();
            case MAX -> Optional.of(Math.max(a, b));
            case MIN -> Optional.of(Math.min(a, b));
            default -> Optional.empty();
        };
        if (r.isPresent()) return r.map(x -> (double) x);
        return compare(k, a, b);
    }

    /** f32 arithmetic: operands and result rounded to float. */
    private static Optional<Double> floating(OpKind k, List<Double> in) {
        double a = (float) (double) in.get(0), b = in.size() > 1 ? (float) (double) in.get(1) : 0;
        Optional<Double> r = switch (k) {
            case NEG -> Optional.of(-a);
            case ABS -> Optional.of(Math.abs(a));
            case EXP -> Optional.of(Math.exp(a));
            case LOG -> Optional.of(Math.log(a));
            case SQRT -> Optional.of(Math.sqrt(a));
            case RSQRT -> Optional.of(1 / Math.sqrt(a));
            case TANH -> Optional.of(Math.tanh(a));
            case SIN -> Optional.of(Math.sin(a));
            case COS -> Optional.of(Math.cos(a));
            case SIGMOID -> Optional.of(1 / (1 + Math.exp(-a)));
            case RECIP -> Optional.of(1 / a);
            case ADD -> Optional.of(a + b);
            case SUB -> Optional.of(a - b);
            case MUL -> Optional.of(a * b);
            case DIV -> Optional.of(a / b);
            case MAX -> Optional.of(Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b));
            case MIN -> Optional.of(Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b));
            case POW -> Optional.of(Math.pow(a, b));
            default -> Optional.empty();
        };
        if (r.isPresent()) return r.map(x -> (double) (float) (double) x);
        return compare(k, a, b);
    }

    private static Optional<Double> compare(OpKind k, double a, double b) {
        return switch (k) {
            case EQ -> bool(a == b);
            case NE -> bool(a != b);
            case LT -> bool(a < b);
            case LE -> bool(a <= b);
            case GT -> bool(a > b);
            case GE -> bool(a >= b);
            default -> Optional.empty();
        };
    }

    // cast(fill) -> fill, where the conversion is exact or rounds as the kernels do
    private static Optional<Attr> cast(double x, DType from, DType to) {
        if (from == to) return Optional.of(attr(x, to));
        if (to == DType.F32 && (from.isInteger() || from == DType.BOOL)) return Optional.of(attr((float) x, to));
        if (to == DType.I64 && (from == DType.I32 || from == DType.BOOL)) return Optional.of(attr(x, to));
        if (to == DType.I32 && from == DType.BOOL) return Optional.of(attr(x, to));
        return Optional.empty();
    }

    private static Optional<Double> bool(boolean b) { return Optional.of(b ? 1.0 : 0.0); }

    /** A fill value written in the attribute kind that suits the element type. */
    static Attr attr(double x, DType t) {
        if (t == DType.BOOL) return new Attr.Bool(x != 0);
        if (t.isInteger()) return new Attr.Int(t == DType.I32 ? (int) (long) x : (long) x);
        return new Attr.Float(x);
    }
}
