package strata.compiler.kernel;

import java.util.List;
import strata.compiler.graph.DType;

/**
 * Scalar expressions of the kernel dialect. Index arithmetic is i64; a load names a buffer and
 * one index per axis of the buffer's view.
 */
public sealed interface KExpr {
    DType type();

    /**
     * A literal (also +-inf for masked scores). A double holds integers only up to 2^53, so an
     * integer literal's exact value is {@code bits} (the 64-bit constants of hash functions need
     * all 64); {@code value} is then its nearest double. For floats and bools {@code bits} is
     * {@code (long) value} and unused.
     */
    record Const(double value, DType type, long bits) implements KExpr {
        public Const(double value, DType type) { this(value, type, (long) value); }

        /** An exact integer literal of an integer type (or a bool 0/1). */
        public static Const ofBits(long bits, DType type) { return new Const((double) bits, type, bits); }
    }

    /** A loop index (i64) or a local scalar. */
    record Var(String name, DType type) implements KExpr {}

    /** A size symbol of the kernel (B, T, ...), an i64 known only at run time. */
    record Size(String name) implements KExpr {
        @Override public DType type() { return DType.I64; }
    }

    record Load(String buffer, List<KExpr> index, DType type) implements KExpr {
        public Load { index = List.copyOf(index); }
    }

    record Unary(ScalarOp op, KExpr x, DType type) implements KExpr {}

    record Binary(ScalarOp op, KExpr a, KExpr b, DType type) implements KExpr {}

    record Select(KExpr cond, KExpr a, KExpr b) implements KExpr {
        @Override public DType type() { return a.type(); }
    }

    record Cast(KExpr x, DType type) implements KExpr {}

    static KExpr i64(long v) { return Const.ofBits(v, DType.I64); }

    /** A binary op with its result type: bool for comparisons, else the operands' type. */
    static KExpr binary(ScalarOp op, KExpr a, KExpr b) {
        if (a.type() != b.type()) throw new IllegalArgumentException(op.mnemonic() + " of " + a.type() + " and " + b.type());
        return new Binary(op, a, b, op.isComparison() ? DType.BOOL : a.type());
    }

    static KExpr unary(ScalarOp op, KExpr x) { return new Unary(op, x, x.type()); }
}
