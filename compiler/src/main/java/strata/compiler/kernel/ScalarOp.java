package strata.compiler.kernel;

/**
 * The scalar operations of kernel bodies: what one element of an elementwise graph op computes.
 *
 * <p>Integer {@code add}, {@code sub} and {@code mul} are index arithmetic: a lowering may assume
 * they do not overflow (codegen marks them no-signed-wrap, which lets LLVM vectorize address
 * computations). The bit ops are for hashing, as in the counter-based generator of
 * {@code interp.CounterRandom}: {@code add_wrap} and {@code mul_wrap} wrap modulo 2^n (two's
 * complement, as Java's {@code long}), {@code xor}, {@code shl} and {@code shr} (logical, the
 * vacated bits are zero: Java's {@code >>>}) take their shift count modulo the bit width, as Java does.
 */
public enum ScalarOp {
    NEG(1), EXP(1), LOG(1), SQRT(1), RSQRT(1), TANH(1), SIN(1), COS(1), ERF(1), SIGMOID(1), ABS(1), RECIP(1), NOT(1),
    ADD(2), SUB(2), MUL(2), DIV(2), MAX(2), MIN(2), POW(2), MOD(2),
    EQ(2), NE(2), LT(2), LE(2), GT(2), GE(2), AND(2), OR(2),
    ADD_WRAP(2), MUL_WRAP(2), XOR(2), SHL(2), SHR(2);

    private final int arity;

    ScalarOp(int arity) { this.arity = arity; }

    public int arity() { return arity; }

    public boolean isComparison() { return this == EQ || this == NE || this == LT || this == LE || this == GT || this == GE; }

    /** The ops on integer bits (i32, i64) only. */
    public boolean isBitwise() { return this == ADD_WRAP || this == MUL_WRAP || this == XOR || this == SHL || this == SHR; }

    public String mnemonic() { return name().toLowerCase(); }

    public static ScalarOp parse(String s) {
        for (ScalarOp o : values()) if (o.mnemonic().equals(s)) return o;
        throw new IllegalArgumentException("unknown scalar op `" + s + "`");
    }
}
