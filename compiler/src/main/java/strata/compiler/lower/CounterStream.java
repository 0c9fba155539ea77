package strata.compiler.lower;

import java.util.function.UnaryOperator;
import strata.compiler.graph.DType;
import strata.compiler.kernel.KExpr;
import strata.compiler.kernel.ScalarOp;

/**
 * The reference interpreter's counter-based generator ({@code interp.CounterRandom}) written as
 * kernel expressions, so that a compiled {@code random} or training-mode {@code dropout} draws the
 * very stream the interpreter draws: SplitMix64's finalizer (Steele, Lea and Flood, OOPSLA 2014)
 * over the counter {@code seed + (index + 1) * 0x9E3779B97F4A7C15}, in wrapping i64 arithmetic.
 *
 * <p>The interpreter's uniforms are doubles; the kernels here compute in f32 and i64 only, and
 * stay exact where it matters. The top 53 bits k of a draw are an integer, and the interpreter's
 * uniform k 2^-53 rounded to f32 is the i64-to-f32 conversion of k (one correct rounding) scaled
 * by 2^-53 (exact): so f32 uniforms equal the interpreter's after rounding, bit for bit. Dropout's
 * test u >= p is done on k against ceil(p 2^53), which is exact too. Normals go through f32
 * log, sqrt and sin and differ from the interpreter's rounded double by a few ulps (stated and
 * checked in the tests).
 *
 * <p>A value used more than once (the state between the finalizer's rounds, the top bits of a
 * draw) is bound to a local by {@code let}, which the caller supplies: the kernel text stays
 * linear in the formula, where a tree would repeat each shared value at every use.
 */
public final class CounterStream {
    private final UnaryOperator<KExpr> let;

    /** @param let binds an expression to a fresh local of the kernel and returns the local's value */
    CounterStream(UnaryOperator<KExpr> let) { this.let = let; }

    /**
     * The run-time size that carries a training step's seed into dropout kernels: the executable
     * binds it on every run, so one compiled train step serves every step. 0 leaves each dropout's
     * own seed unchanged, as {@code CounterRandom.streamSeed} does.
     */
    public static final String STEP_SEED = "step_seed";

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final DType I = DType.I64;

    /** 2^-53 and 2^53: a uniform is its top-53-bit integer times 2^-53. */
    private static final double TWO_M53 = 0x1.0p-53;
    private static final long TWO_53 = 1L << 53;

    /** SplitMix64's output function, Stafford's Mix13: the constants of CounterRandom.mix64. */
    KExpr mix64(KExpr z) {
        z = let.apply(z);
        z = let.apply(op(ScalarOp.MUL_WRAP, op(ScalarOp.XOR, z, op(ScalarOp.SHR, z, i64(30))), i64(0xBF58476D1CE4E5B9L)));
        z = let.apply(op(ScalarOp.MUL_WRAP, op(ScalarOp.XOR, z, op(ScalarOp.SHR, z, i64(27))), i64(0x94D049BB133111EBL)));
        return op(ScalarOp.XOR, z, op(ScalarOp.SHR, z, i64(31)));
    }

    /** The 64 random bits at a counter: mix64(seed + (index + 1) * golden gamma). */
    KExpr bits(KExpr seed, KExpr index) {
        return mix64(op(ScalarOp.ADD_WRAP, seed, op(ScalarOp.MUL_WRAP, op(ScalarOp.ADD, index, i64(1)), i64(GOLDEN_GAMMA))));
    }

    /** The top 53 bits as an integer k in [0, 2^53): the uniform is k 2^-53. */
    KExpr top53(KExpr seed, KExpr index) { return let.apply(op(ScalarOp.SHR, bits(seed, index), i64(11))); }

    /**
     * The uniform on [0, 1) at a counter as an element of type {@code t}: for f32, k 2^-53 rounded
     * once; for integers, the interpreter's truncation toward zero of k 2^-53, which is k >> 53 (0);
     * for bool, whether it is nonzero.
     */
    KExpr uniform(KExpr seed, KExpr index, DType t) {
        KExpr k = top53(seed, index);
        return switch (t) {
            case F32 -> KExpr.binary(ScalarOp.MUL, new KExpr.Cast(k, DType.F32), new KExpr.Const(TWO_M53, DType.F32));
            case I32, I64 -> new KExpr.Cast(op(ScalarOp.SHR, k, i64(53)), t);
            case BOOL -> KExpr.binary(ScalarOp.NE, k, i64(0));
            default -> throw new UnsupportedOperationException("random of " + t + ": the CPU backend draws f32, i32, i64 and bool");
        };
    }

    /**
     * The standard normal at a counter, in f32: Box-Muller on the uniforms at 2i and 2i + 1, as
     * CounterRandom.normal, sqrt(-2 ln(1 - u1)) cos(2 pi u2). 1 - u1 = (2^53 - k1) 2^-53 is
     * formed in i64, so it is never 0 (u1 rounded to f32 may be 1). -ln(1 - u1) is computed as
     * -ln(r) u1 / (1 - r) with r = 1 - u1 in f32, and as u1 where r rounds to 1: Goldberg's log1p
     * ("What every computer scientist should know about floating-point arithmetic", Computing
     * Surveys 1991, Theorem 4), which keeps small u1 accurate where ln(r) alone would lose it.
     * The cosine is {@link #cosTwoPi}: the result's error is relative, a few f32 ulps.
     */
    KExpr normal(KExpr seed, KExpr index) {
        KExpr twice = KExpr.binary(ScalarOp.MUL, index, i64(2));
        KExpr k1 = top53(seed, twice), k2 = top53(seed, KExpr.binary(ScalarOp.ADD, twice, i64(1)));
        KExpr u1 = let.apply(scaled(k1));
        KExpr r = let.apply(scaled(KExpr.binary(ScalarOp.SUB, i64(TWO_53), k1)));
        KExpr oneMinusR = KExpr.binary(ScalarOp.SUB, f32(1), r);
        KExpr log1p = KExpr.binary(ScalarOp.DIV, KExpr.binary(ScalarOp.MUL, KExpr.unary(ScalarOp.NEG, KExpr.unary(ScalarOp.LOG, r)), u1), oneMinusR);
        KExpr minusLog = new KExpr.Select(KExpr.binary(ScalarOp.EQ, r, f32(1)), u1, log1p);
        KExpr radius = KExpr.unary(ScalarOp.SQRT, KExpr.binary(ScalarOp.MUL, f32(2), minusLog));
        return KExpr.binary(ScalarOp.MUL, radius, cosTwoPi(k2));
    }

    /**
     * cos(2 pi u) for u = k 2^-53, with the argument reduced exactly in i64 first: cos(2 pi u) =
     * -sin(2 pi t) for t = u - 1/4, and sin(2 pi t) = sin(2 pi (1/2 - t)) folds t into [-1/4, 1/4].
     * Computing 2 pi u in f32 directly would err by about 2^-24 2 pi absolutely, which near the
     * zeros of cos is a large relative error; on the folded t the sine's error stays relative.
     */
    private KExpr cosTwoPi(KExpr k) {
        KExpr t = let.apply(KExpr.binary(ScalarOp.SUB, k, i64(TWO_53 / 4)));
        KExpr folded = new KExpr.Select(KExpr.binary(ScalarOp.GT, t, i64(TWO_53 / 4)), KExpr.binary(ScalarOp.SUB, i64(TWO_53 / 2), t), t);
        KExpr angle = KExpr.binary(ScalarOp.MUL, new KExpr.Cast(folded, DType.F32), f32(2 * Math.PI * TWO_M53));
        return KExpr.unary(ScalarOp.NEG, KExpr.unary(ScalarOp.SIN, angle));
    }

    /**
     * The seed of a dropout's stream in one training step, as CounterRandom.streamSeed: the op's
     * own seed when the step seed is 0, else the op's seed xor mix64(step seed + golden gamma).
     */
    KExpr streamSeed(long opSeed, KExpr stepSeed) {
        KExpr mixed = op(ScalarOp.XOR, i64(opSeed), mix64(op(ScalarOp.ADD_WRAP, stepSeed, i64(GOLDEN_GAMMA))));
        return let.apply(new KExpr.Select(KExpr.binary(ScalarOp.EQ, stepSeed, i64(0)), i64(opSeed), mixed));
    }

    /**
     * Inverted dropout of one element, as the interpreter's training mode: kept, times 1 / (1 - p),
     * when the uniform u at its counter is >= p, else 0. u >= p is k >= ceil(p 2^53) for the
     * integer k = u 2^53 (p 2^53 is exact: a power-of-two scaling), so the mask is the interpreter's.
     */
    KExpr dropout(KExpr x, double p, KExpr seed, KExpr index) {
        long threshold = (long) Math.ceil(p * 0x1p53);
        double scale = p == 1 ? 0 : 1.0 / (1.0 - p);
        KExpr keep = KExpr.binary(ScalarOp.GE, top53(seed, index), i64(threshold));
        return new KExpr.Select(keep, KExpr.binary(ScalarOp.MUL, x, new KExpr.Const(scale, x.type())), new KExpr.Const(0, x.type()));
    }

    private KExpr scaled(KExpr k) {
        return KExpr.binary(ScalarOp.MUL, new KExpr.Cast(k, DType.F32), new KExpr.Const(TWO_M53, DType.F32));
    }

    private static KExpr op(ScalarOp op, KExpr a, KExpr b) { return KExpr.binary(op, a, b); }

    private static KExpr i64(long v) { return KExpr.Const.ofBits(v, I); }

    private static KExpr f32(double v) { return new KExpr.Const(v, DType.F32); }
}
