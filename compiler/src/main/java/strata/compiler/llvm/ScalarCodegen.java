package strata.compiler.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import org.bytedeco.llvm.LLVM.LLVMTypeRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;
import strata.compiler.graph.DType;
import strata.compiler.kernel.ScalarOp;

/**
 * The LLVM instructions for each scalar op of the kernel dialect, with the reference
 * interpreter's semantics: floored integer division and modulo, NaN-propagating max and min,
 * ordered float comparisons (NaN compares false) except {@code ne}, wrapping {@code add_wrap} and
 * {@code mul_wrap} (no nsw flag) and shifts whose count is taken modulo the bit width.
 */
final class ScalarCodegen {
    private ScalarCodegen() {}

    static LLVMValueRef unary(IrModule m, ScalarOp op, LLVMValueRef x, DType t) {
        boolean f = t.isFloat();
        LLVMTypeRef ty = LLVMTypeOf(x);
        return switch (op) {
            case NEG -> f ? m.fneg(x) : m.subI(m.constInt(ty, 0), x);
            case ABS -> f ? m.intrinsic("llvm.fabs", ty, x) : m.select(m.icmp(LLVMIntSLT, x, m.constInt(ty, 0)), m.subI(m.constInt(ty, 0), x), x);
            case NOT -> m.xor(x, m.constBool(true));
            case SQRT -> m.intrinsic("llvm.sqrt", ty, x);
            case RSQRT -> m.fdiv(m.constReal(ty, 1), m.intrinsic("llvm.sqrt", ty, x));
            case RECIP -> m.fdiv(m.constReal(ty, 1), x);
            // polynomial forms that vectorize (VectorMath); sin and cos still call the C library
            case EXP -> VectorMath.exp(m, x);
            case LOG -> VectorMath.log(m, x);
            case TANH -> VectorMath.tanh(m, x);
            case ERF -> VectorMath.erf(m, x);
            case SIGMOID -> VectorMath.sigmoid(m, x);
            case SIN -> m.callC("sinf", ty, x);
            case COS -> m.callC("cosf", ty, x);
            default -> throw new LlvmException(op + " is not a unary op");
        };
    }

    static LLVMValueRef binary(IrModule m, ScalarOp op, LLVMValueRef a, LLVMValueRef b, DType t) {
        boolean f = t.isFloat();
        LLVMTypeRef ty = LLVMTypeOf(a);
        return switch (op) {
            case ADD -> f ? m.fadd(a, b) : m.addI(a, b);
            case SUB -> f ? m.fsub(a, b) : m.subI(a, b);
            case MUL -> f ? m.fmul(a, b) : m.mulI(a, b);
            case DIV -> f ? m.fdiv(a, b) : floorDiv(m, a, b);
            case MOD -> f ? floorModF(m, a, b) : floorMod(m, a, b);
            case MAX -> f ? m.intrinsic("llvm.maximum", ty, a, b) : m.select(m.icmp(LLVMIntSGT, a, b), a, b);
            case MIN -> f ? m.intrinsic("llvm.minimum", ty, a, b) : m.select(m.icmp(LLVMIntSLT, a, b), a, b);
            case POW -> m.callC("powf", ty, a, b);
            case EQ -> f ? m.fcmp(LLVMRealOEQ, a, b) : m.icmp(LLVMIntEQ, a, b);
            case NE -> f ? m.fcmp(LLVMRealUNE, a, b) : m.icmp(LLVMIntNE, a, b);
            case LT -> f ? m.fcmp(LLVMRealOLT, a, b) : m.icmp(LLVMIntSLT, a, b);
            case LE -> f ? m.fcmp(LLVMRealOLE, a, b) : m.icmp(LLVMIntSLE, a, b);
            case GT -> f ? m.fcmp(LLVMRealOGT, a, b) : m.icmp(LLVMIntSGT, a, b);
            case GE -> f ? m.fcmp(LLVMRealOGE, a, b) : m.icmp(LLVMIntSGE, a, b);
            case AND -> m.and(a, b);
            case OR -> m.or(a, b);
            case ADD_WRAP -> m.addWrap(a, b);
            case MUL_WRAP -> m.mulWrap(a, b);
            case XOR -> m.xor(a, b);
            case SHL -> m.shl(a, shiftCount(m, b));
            case SHR -> m.lshr(a, shiftCount(m, b));
            default -> throw new LlvmException(op + " is not a binary op");
        };
    }

    /** The count modulo the bit width, as Java and x86 take it (LLVM's shifts are poison from the width on). */
    private static LLVMValueRef shiftCount(IrModule m, LLVMValueRef count) {
        LLVMTypeRef ty = LLVMTypeOf(count);
        int bits = LLVMGetIntTypeWidth(LLVMGetTypeKind(ty) == LLVMVectorTypeKind ? LLVMGetElementType(ty) : ty);
        return m.and(count, m.constInt(ty, bits - 1));
    }

    /** Floor division: truncating division, one less when the remainder's sign differs from b's. */
    private static LLVMValueRef floorDiv(IrModule m, LLVMValueRef a, LLVMValueRef b) {
        LLVMTypeRef ty = LLVMTypeOf(a);
        LLVMValueRef q = m.sdiv(a, b), r = m.srem(a, b);
        LLVMValueRef adjust = m.and(m.icmp(LLVMIntNE, r, m.constInt(ty, 0)),
                m.xor(m.icmp(LLVMIntSLT, r, m.constInt(ty, 0)), m.icmp(LLVMIntSLT, b, m.constInt(ty, 0))));
        return m.select(adjust, m.subI(q, m.constInt(ty, 1)), q);
    }

    private static LLVMValueRef floorMod(IrModule m, LLVMValueRef a, LLVMValueRef b) {
        LLVMTypeRef ty = LLVMTypeOf(a);
        LLVMValueRef r = m.srem(a, b);
        LLVMValueRef adjust = m.and(m.icmp(LLVMIntNE, r, m.constInt(ty, 0)),
                m.xor(m.icmp(LLVMIntSLT, r, m.constInt(ty, 0)), m.icmp(LLVMIntSLT, b, m.constInt(ty, 0))));
        return m.select(adjust, m.addI(r, b), r);
    }

    /** Floored float modulo, as numpy's %: a - floor(a / b) * b. */
    private static LLVMValueRef floorModF(IrModule m, LLVMValueRef a, LLVMValueRef b) {
        LLVMTypeRef ty = LLVMTypeOf(a);
        return m.fsub(a, m.fmul(m.intrinsic("llvm.floor", ty, m.fdiv(a, b)), b));
    }

    static LLVMValueRef cast(IrModule m, LLVMValueRef x, DType from, DType to, LLVMTypeRef toType) {
        if (from == to) return x;
        if (from == DType.BOOL) return to.isFloat() ? m.uitofp(x, toType) : m.zextOrTrunc(x, toType);
        if (to == DType.BOOL) return from.isFloat() ? m.fcmp(LLVMRealUNE, x, m.constReal(LLVMTypeOf(x), 0)) : m.icmp(LLVMIntNE, x, m.constInt(LLVMTypeOf(x), 0));
        if (from.isFloat() && to.isFloat()) throw new LlvmException("casts between " + from + " and " + to + " are not supported yet");
        if (from.isFloat()) return m.fptosi(x, toType);
        if (to.isFloat()) return m.sitofp(x, toType);
        return m.sextOrTrunc(x, toType);
    }
}
