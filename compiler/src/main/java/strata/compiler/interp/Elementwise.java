package strata.compiler.interp;

import java.util.function.DoubleUnaryOperator;
import strata.compiler.graph.DType;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;

/**
 * Elementwise ops with numpy broadcasting: unary math, binary arithmetic, comparisons, logic,
 * select, cast, and the pointwise composites gelu and dropout. Results take the op's declared
 * element type. Integer operands divide and take remainders with floor semantics (Python's
 * {@code //} and {@code %}); i32 arithmetic wraps at 32 bits.
 */
final class Elementwise {
    private Elementwise() {}

    static RefTensor unary(Op op, RefTensor x) {
        DType out = op.type().dtype();
        DoubleUnaryOperator f = switch (op.kind()) {
            case NEG -> v -> -v;
            case EXP -> Math::exp;
            case LOG -> Math::log;
            case SQRT -> Math::sqrt;
            case RSQRT -> v -> 1.0 / Math.sqrt(v);
            case TANH -> Math::tanh;
            case SIN -> Math::sin;
            case COS -> Math::cos;
            case ERF -> Erf::erf;
            case SIGMOID -> Elementwise::sigmoid;
            case ABS -> Math::abs;
            case RECIP -> v -> 1.0 / v;
            case NOT -> v -> v != 0 ? 0.0 : 1.0;
            case CAST -> v -> Cast.convert(v, x.dtype(), out);
            case GELU -> gelu(op.strAttr("approximate", "erf"));
            default -> throw new IllegalStateException(op.kind() + " is not unary");
        };
        double[] in = x.raw(), r = new double[in.length];
        for (int i = 0; i < in.length; i++) r[i] = f.applyAsDouble(in[i]);
        if (out == DType.I32 && op.kind() != OpKind.CAST) for (int i = 0; i < r.length; i++) r[i] = (int) (long) r[i];
        return RefTensor.wrap(out, x.shape(), r);
    }

    /** 1 / (1 + e^-x), written so that neither branch overflows. */
    static double sigmoid(double v) {
        if (v >= 0) return 1.0 / (1.0 + Math.exp(-v));
        double e = Math.exp(v);
        return e / (1.0 + e);
    }

    /**
     * GELU (Hendrycks and Gimpel, 2016): x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), or its tanh
     * approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) from the same paper.
     */
    static DoubleUnaryOperator gelu(String approximate) {
        return switch (approximate) {
            case "erf", "none" -> v -> 0.5 * v * (1.0 + Erf.erf(v / Math.sqrt(2.0)));
            case "tanh" -> v -> 0.5 * v * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (v + 0.044715 * v * v * v)));
            default -> throw new IllegalArgumentException("gelu: unknown approximation `" + approximate + "` (expected erf or tanh)");
        };
    }

    static RefTensor binary(Op op, RefTensor a, RefTensor b) {
        long[] shape = Layout.broadcastShape(a.shape(), b.shape());
        int[] ma = Layout.broadcastMap(shape, a.shape()), mb = Layout.broadcastMap(shape, b.shape());
        double[] x = a.raw(), y = b.raw(), r = new double[ma.length];
        OpKind k = op.kind();
        boolean integer = a.dtype().isInteger();
        for (int i = 0; i < r.length; i++) {
            double u = x[ma[i]], v = y[mb[i]];
            r[i] = integer && k.category() == OpKind.Category.BINARY ? integerArithmetic(k, (long) u, (long) v) : apply(k, u, v);
        }
        DType out = op.type().dtype();
        if (out == DType.I32) for (int i = 0; i < r.length; i++) r[i] = (int) (long) r[i];
        return RefTensor.wrap(out, shape, r);
    }

    private static double apply(OpKind k, double u, double v) {
        return switch (k) {
            case ADD -> u + v;
            case SUB -> u - v;
            case MUL -> u * v;
            case DIV -> u / v;
            case MAX -> Math.max(u, v);
            case MIN -> Math.min(u, v);
            case POW -> Math.pow(u, v);
            case MOD -> u - v * Math.floor(u / v); // floored, like numpy's %: the sign follows the divisor
            case EQ -> u == v ? 1 : 0;
            case NE -> u != v ? 1 : 0;
            case LT -> u < v ? 1 : 0;
            case LE -> u <= v ? 1 : 0;
            case GT -> u > v ? 1 : 0;
            case GE -> u >= v ? 1 : 0;
            case AND -> u != 0 && v != 0 ? 1 : 0;
            case OR -> u != 0 || v != 0 ? 1 : 0;
            default -> throw new IllegalStateException(k + " is not binary");
        };
    }

    private static double integerArithmetic(OpKind k, long u, long v) {
        if ((k == OpKind.DIV || k == OpKind.MOD) && v == 0)
            throw new ArithmeticException("integer " + k.mnemonic() + " by zero");
        return switch (k) {
            case ADD -> u + v;
            case SUB -> u - v;
            case MUL -> u * v;
            case DIV -> Math.floorDiv(u, v);
            case MOD -> Math.floorMod(u, v);
            case MAX -> Math.max(u, v);
            case MIN -> Math.min(u, v);
            case POW -> integerPow(u, v);
            default -> throw new IllegalStateException(k + " is not arithmetic");
        };
    }

    /** u^v by squaring, wrapping like repeated multiplication; a negative exponent gives trunc(1 / u^|v|). */
    private static long integerPow(long u, long v) {
        if (v < 0) {
            if (u == 0) throw new ArithmeticException("integer pow of 0 to a negative power");
            return u == 1 ? 1 : u == -1 ? ((-v) % 2 == 0 ? 1 : -1) : 0;
        }
        long r = 1, base = u;
        for (long e = v; e > 0; e >>= 1) {
            if ((e & 1) != 0) r *= base;
            base *= base;
        }
        return r;
    }

    static RefTensor select(Op op, RefTensor c, RefTensor a, RefTensor b) {
        long[] shape = Layout.broadcastShape(c.shape(), Layout.broadcastShape(a.shape(), b.shape()));
        int[] mc = Layout.broadcastMap(shape, c.shape()), ma = Layout.broadcastMap(shape, a.shape()), mb = Layout.broadcastMap(shape, b.shape());
        double[] r = new double[mc.length];
        for (int i = 0; i < r.length; i++) r[i] = c.raw()[mc[i]] != 0 ? a.raw()[ma[i]] : b.raw()[mb[i]];
        return RefTensor.wrap(op.type().dtype(), shape, r);
    }

    /**
     * Inverted dropout: in training each element is kept when its counter-based uniform u >= p
     * (probability 1 - p) and scaled by 1 / (1 - p); the identity otherwise.
     */
    static RefTensor dropout(Op op, RefTensor x, boolean training, long stepSeed) {
        double p = op.floatAttr("p", 0.0);
        if (p < 0 || p > 1) throw new IllegalArgumentException("dropout probability " + p + " is outside [0, 1]");
        if (!training || p == 0) return x;
        long seed = CounterRandom.streamSeed(op.intAttr("seed", 0), stepSeed);
        double scale = p == 1 ? 0 : 1.0 / (1.0 - p);
        double[] in = x.raw(), r = new double[in.length];
        for (int i = 0; i < in.length; i++) r[i] = CounterRandom.uniform(seed, i) >= p ? in[i] * scale : 0.0;
        return RefTensor.wrap(x.dtype(), x.shape(), r);
    }
}
