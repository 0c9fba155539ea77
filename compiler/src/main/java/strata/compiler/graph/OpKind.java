package strata.compiler.graph;

import java.util.HashMap;
import java.util.Map;

/**
 * The graph dialect's vocabulary, kept small (as tinygrad and PrimTorch do): every prelude layer
 * lowers to these. Composites (softmax, norms, gelu, cross_entropy, attention) stay whole so that
 * fusion and autodiff can see them.
 *
 * <p>Operand and attribute conventions, which {@link ShapeRules} checks and the reference
 * interpreter implements:
 * <ul>
 * <li>sources: {@code param {name}}, {@code input {name}}, {@code const {value}} (a fill),
 *     {@code iota {axis}} (the index along an axis), {@code random {seed, dist}}: the result type
 *     is declared.
 * <li>elementwise: numpy broadcasting across operands; all operands share a dtype except
 *     {@code select}'s condition (bool). Comparisons yield bool. {@code cast} declares its type.
 * <li>reductions {@code sum max argmax {axes, keepdims}}; argmax takes one axis, yields i64.
 * <li>movement: {@code reshape} and {@code broadcast} declare the result type;
 *     {@code permute {perm}}; {@code slice {axis, start, end, step}} with symbolic bounds;
 *     {@code concat {axis}}; {@code pad {axis, before, after, value}};
 *     {@code gather(table, indices) {axis}}: {@code table.shape[:axis] + indices.shape + table.shape[axis+1:]};
 *     {@code scatter_add(base, indices, updates) {axis}}, the transpose of gather.
 * <li>{@code matmul(a, b) {transpose_a, transpose_b}}: {@code [..., M, K] @ [..., K, N]}, batch dims broadcast.
 * <li>{@code softmax {axis}}; {@code layer_norm(x[, gamma[, beta]]) {eps}} and
 *     {@code rms_norm(x[, gamma[, beta]]) {eps}} over the last axis; {@code gelu {approximate = "erf"|"tanh"}};
 *     {@code cross_entropy(logits[..., V], targets[...]) {ignore_index}} yields the per-position loss;
 *     {@code dropout {p, seed}} is the identity unless training.
 * <li>{@code attention(q[B, H, Tq, D], k[B, Hkv, Tk, D], v[B, Hkv, Tk, Dv]) {scale}} with an optional
 *     "mask" region {@code (b, h, q, k: i64[]) -> bool[]} and an optional "score" region
 *     {@code (b, h, q, k: i64[], s: f32[]) -> f32[]}; H must be a multiple of Hkv (GQA, MQA).
 *     A query row whose mask hides every key yields zeros.
 * <li>{@code attention_grad(q, k, v, dout) {wrt = "q"|"k"|"v"|"score", scale}}, attention's backward,
 *     kept whole so that a backend can fuse it as FlashAttention-2 does (no T x T buffer): the
 *     gradient of sum(attention(q, k, v) * dout) with respect to q, k or v (their types), or to the
 *     score modifier's outputs ({@code f32[B, H, Tq, Tk]}). It carries attention's "mask" and
 *     "score" regions and, with a score region, "score_grad" {@code (b, h, q, k, s) -> d score / d s}.
 * </ul>
 */
public enum OpKind {
    // sources
    PARAM(Category.SOURCE, 0), INPUT(Category.SOURCE, 0), CONST(Category.SOURCE, 0),
    IOTA(Category.SOURCE, 0), RANDOM(Category.SOURCE, 0),
    // elementwise, one operand
    NEG(Category.UNARY, 1), EXP(Category.UNARY, 1), LOG(Category.UNARY, 1), SQRT(Category.UNARY, 1),
    RSQRT(Category.UNARY, 1), TANH(Category.UNARY, 1), SIN(Category.UNARY, 1), COS(Category.UNARY, 1), ERF(Category.UNARY, 1), SIGMOID(Category.UNARY, 1),
    ABS(Category.UNARY, 1), RECIP(Category.UNARY, 1), NOT(Category.UNARY, 1), CAST(Category.UNARY, 1),
    // elementwise, two operands
    ADD(Category.BINARY, 2), SUB(Category.BINARY, 2), MUL(Category.BINARY, 2), DIV(Category.BINARY, 2),
    MAX(Category.BINARY, 2), MIN(Category.BINARY, 2), POW(Category.BINARY, 2), MOD(Category.BINARY, 2),
    EQ(Category.COMPARE, 2), NE(Category.COMPARE, 2), LT(Category.COMPARE, 2), LE(Category.COMPARE, 2),
    GT(Category.COMPARE, 2), GE(Category.COMPARE, 2),
    AND(Category.LOGIC, 2), OR(Category.LOGIC, 2),
    SELECT(Category.SELECT, 3),
    // reductions
    SUM(Category.REDUCE, 1), REDUCE_MAX(Category.REDUCE, 1), ARGMAX(Category.REDUCE, 1),
    // movement
    RESHAPE(Category.MOVEMENT, 1), PERMUTE(Category.MOVEMENT, 1), BROADCAST(Category.MOVEMENT, 1),
    SLICE(Category.MOVEMENT, 1), CONCAT(Category.MOVEMENT, -1), PAD(Category.MOVEMENT, 1),
    GATHER(Category.MOVEMENT, 2), SCATTER_ADD(Category.MOVEMENT, 3),
    // contraction
    MATMUL(Category.CONTRACTION, 2),
    // composites
    SOFTMAX(Category.COMPOSITE, 1), LAYER_NORM(Category.COMPOSITE, -1), RMS_NORM(Category.COMPOSITE, -1),
    GELU(Category.COMPOSITE, 1), CROSS_ENTROPY(Category.COMPOSITE, 2), DROPOUT(Category.COMPOSITE, 1),
    ATTENTION(Category.COMPOSITE, 3), ATTENTION_GRAD(Category.COMPOSITE, 4);

    public enum Category { SOURCE, UNARY, BINARY, COMPARE, LOGIC, SELECT, REDUCE, MOVEMENT, CONTRACTION, COMPOSITE }

    private final Category category;
    private final int arity;

    OpKind(Category category, int arity) {
        this.category = category;
        this.arity = arity;
    }

    public Category category() { return category; }

    /** Number of operands, or -1 when variadic. */
    public int arity() { return arity; }

    public boolean isElementwise() {
        return switch (category) {
            case UNARY, BINARY, COMPARE, LOGIC, SELECT -> true;
            default -> false;
        };
    }

    /** Whether the result type is written in the op rather than inferred from its operands. */
    public boolean declaresType() {
        return category == Category.SOURCE || this == RESHAPE || this == BROADCAST || this == CAST;
    }

    /** x + y == y + x. */
    public boolean isCommutative() {
        return this == ADD || this == MUL || this == MAX || this == MIN || this == EQ || this == NE
                || this == AND || this == OR;
    }

    /** The textual mnemonic ({@code reduce_max} prints as {@code max} would clash with the binary max). */
    public String mnemonic() { return name().toLowerCase(); }

    private static final Map<String, OpKind> BY_MNEMONIC = new HashMap<>();

    static {
        for (OpKind k : values()) BY_MNEMONIC.put(k.mnemonic(), k);
    }

    public static OpKind parse(String mnemonic) {
        OpKind k = BY_MNEMONIC.get(mnemonic);
        if (k == null) throw new IllegalArgumentException("unknown op `" + mnemonic + "`");
        return k;
    }
}
