package strata.compiler.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import org.bytedeco.llvm.LLVM.LLVMTypeRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;

/**
 * Transcendental functions of f32 (scalars or vectors of f32) as straight-line LLVM IR:
 * arithmetic, fma, compare-and-select and exponent-field bit manipulation only, so that a loop
 * applying them vectorizes (a call to expf would stay a scalar call per element).
 *
 * <p>The methods are the classical ones: range reduction after Cody and Waite, "Software Manual
 * for the Elementary Functions" (1980), and a polynomial on the reduced interval, the shape
 * SLEEF (Shibata and Petrogalli, IEEE TPDS 2020) and oneDNN's eltwise kernels use. The
 * polynomial coefficients are our own: weighted minimax fits on a dense grid (a linear program),
 * rounded to float one coefficient at a time with the rest refitted, by tools/vmath_fit.py.
 * Each polynomial's fit error is far below half an ulp; the accuracy measured over the whole
 * float range is stated and checked in VectorMathTest.
 *
 * <p>Everything here uses strict float arithmetic (no fast-math flags): a reassociated range
 * reduction or Horner scheme loses the precision the method is built on.
 */
public final class VectorMath {
    private final IrModule m;
    private final LLVMTypeRef ft, it;

    private VectorMath(IrModule m, LLVMValueRef x) {
        this.m = m;
        ft = LLVMTypeOf(x);
        it = LLVMGetTypeKind(ft) == LLVMVectorTypeKind ? m.vector(m.i32(), LLVMGetVectorSize(ft)) : m.i32();
    }

    public static LLVMValueRef exp(IrModule m, LLVMValueRef x) { return new VectorMath(m, x).exp(x); }

    public static LLVMValueRef log(IrModule m, LLVMValueRef x) { return new VectorMath(m, x).log(x); }

    public static LLVMValueRef tanh(IrModule m, LLVMValueRef x) { return new VectorMath(m, x).tanh(x); }

    public static LLVMValueRef erf(IrModule m, LLVMValueRef x) { return new VectorMath(m, x).erf(x); }

    public static LLVMValueRef sigmoid(IrModule m, LLVMValueRef x) { return new VectorMath(m, x).sigmoid(x); }

    // ---------------------------------------------------------------- exp

    /** ln 2 = LN2_HI + LN2_LO: the float nearest ln 2 and the float nearest the rest. */
    private static final float LN2_HI = 0.693147182464599609375f, LN2_LO = -1.9046542121259336e-09f;
    private static final float LOG2E = 1.44269502162933349609375f;
    /** e^r = 1 + r + r^2 P(r) on |r| <= ln2/2 (+ margin), minimax for relative error: 3.1e-9. */
    private static final float[] EXP_P = {0.4999999403953552f, 0.1666652113199234f, 0.041668254882097244f,
            0.008368661627173424f, 0.001382145332172513f};

    /**
     * e^x = 2^n e^r with n = rint(x / ln 2) and r = x - n ln 2, the product n ln 2 subtracted in
     * two fmas against a two-float ln 2 (Cody and Waite, ch. 6; with fma, x - n LN2_HI is exact for
     * |n| <= 150, since both are multiples of 2^-25 and the difference is below 1/2). 2^n is built
     * in the exponent field as 2^(n/2) 2^(n - n/2), both normal, so that subnormal results round
     * once at the last product and 2^128 overflows to +inf. x is clamped to [-104, 89] first
     * (beyond which e^x rounds to 0 or overflows); NaN is passed through at the end.
     */
    private LLVMValueRef exp(LLVMValueRef x) {
        LLVMValueRef xc = intr("llvm.minnum", intr("llvm.maxnum", x, c(-104f)), c(89f)); // maxnum(NaN, c) = c
        LLVMValueRef n = intr("llvm.rint", m.fmulStrict(xc, c(LOG2E)));
        LLVMValueRef r = m.fma(n, c(-LN2_HI), xc);
        r = m.fma(n, c(-LN2_LO), r);
        LLVMValueRef p = m.faddStrict(c(1f), m.fma(m.fmulStrict(r, r), horner(r, EXP_P), r));
        LLVMValueRef ni = m.fptosi(n, it);
        LLVMValueRef n1 = m.ashr(ni, i(1));
        LLVMValueRef y = m.fmulStrict(m.fmulStrict(p, pow2(n1)), pow2(m.subWrap(ni, n1)));
        return m.select(isNaN(x), x, y);
    }

    /** 2^k for -126 <= k <= 127, written into the exponent field. */
    private LLVMValueRef pow2(LLVMValueRef k) {
        return m.bitcast(m.shl(m.addWrap(k, i(127)), i(23)), ft);
    }

    // ---------------------------------------------------------------- log

    /** R(z) = z (c1 + c2 z + c3 z^2) ~ 2 atanh(s)/s - 2 with z = s^2 <= 0.0295, minimax absolute error 1.6e-9. */
    private static final float[] LOG_R = {0.6666677594184875f, 0.39977553486824036f, 0.2987213730812073f};

    /**
     * log x = k ln 2 + log(1 + f) with x = 2^k (1 + f), 1 + f in [sqrt(1/2), sqrt(2)), found by
     * subtracting the bits of sqrt(1/2) so that k is the arithmetic shift of the difference.
     * log(1 + f) = 2 atanh(s), s = f / (2 + f), evaluated as f - (f^2/2 - s (f^2/2 + R(s^2))) so
     * that the rounding of s only touches a term below 0.05 f: the method of fdlibm's e_log.c
     * (Sun Microsystems, 1993). Subnormal x are scaled by 2^23 first. log(+-0) = -inf,
     * log(x < 0) = NaN, log(+inf) = +inf, log(NaN) = NaN.
     */
    private LLVMValueRef log(LLVMValueRef x) {
        LLVMValueRef sub = m.fcmp(LLVMRealOLT, x, c(0x1p-126f));
        LLVMValueRef xs = m.select(sub, m.fmulStrict(x, c(0x1p23f)), x);
        LLVMValueRef bits = m.bitcast(xs, it);
        LLVMValueRef k = m.ashr(m.subWrap(bits, i(0x3f3504f3)), i(23)); // bits of sqrt(1/2)
        LLVMValueRef mant = m.bitcast(m.subWrap(bits, m.shl(k, i(23))), ft);
        LLVMValueRef f = m.fsubStrict(mant, c(1f));
        LLVMValueRef s = m.fdivStrict(f, m.faddStrict(c(2f), f));
        LLVMValueRef z = m.fmulStrict(s, s);
        LLVMValueRef rz = m.fmulStrict(z, horner(z, LOG_R));
        LLVMValueRef hfsq = m.fmulStrict(c(0.5f), m.fmulStrict(f, f));
        LLVMValueRef log1p = m.fsubStrict(f, m.fsubStrict(hfsq, m.fmulStrict(s, m.faddStrict(hfsq, rz))));
        LLVMValueRef kf = m.faddStrict(m.sitofp(k, ft), m.select(sub, c(-23f), c(0f)));
        LLVMValueRef y = m.fma(kf, c(LN2_HI), m.fma(kf, c(LN2_LO), log1p));
        y = m.select(m.fcmp(LLVMRealOLT, x, c(0f)), c(Float.NaN), y);
        y = m.select(m.fcmp(LLVMRealOEQ, x, c(0f)), c(Float.NEGATIVE_INFINITY), y);
        y = m.select(m.fcmp(LLVMRealOEQ, x, c(Float.POSITIVE_INFINITY)), x, y);
        return m.select(isNaN(x), x, y);
    }

    // ---------------------------------------------------------------- tanh and sigmoid

    /** tanh a = a + a^3 P(a^2) on [0, 0.625], minimax for relative error: 1.8e-10. */
    private static final float[] TANH_P = {-0.3333333134651184f, 0.13333220779895782f, -0.05394817888736725f,
            0.021706894040107727f, -0.008190013468265533f, 0.002152683911845088f};

    /**
     * tanh x = sign(x) tanh |x|; below 0.625 an odd polynomial (accurate near 0, where the
     * exponential form cancels), above it (1 - e) / (1 + e) with e = exp(-2|x|) in (0, 0.29],
     * which rounds to exactly 1 from |x| = 9.01 on and never overflows.
     */
    private LLVMValueRef tanh(LLVMValueRef x) {
        LLVMValueRef a = intr("llvm.fabs", x);
        LLVMValueRef a2 = m.fmulStrict(a, a);
        LLVMValueRef small = m.fma(m.fmulStrict(a, a2), horner(a2, TANH_P), a);
        LLVMValueRef e = exp(m.fmulStrict(a, c(-2f)));
        LLVMValueRef big = m.fdivStrict(m.fsubStrict(c(1f), e), m.faddStrict(c(1f), e));
        return intr("llvm.copysign", m.select(m.fcmp(LLVMRealOLT, a, c(0.625f)), small, big), x);
    }

    /**
     * 1 / (1 + e^-x) from e = exp(-|x|) <= 1: 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0,
     * so that nothing overflows and tiny results keep their relative accuracy down to subnormals.
     */
    private LLVMValueRef sigmoid(LLVMValueRef x) {
        LLVMValueRef e = exp(m.fneg(intr("llvm.fabs", x)));
        LLVMValueRef d = m.faddStrict(c(1f), e);
        return m.fdivStrict(m.select(m.fcmp(LLVMRealOLT, x, c(0f)), e, c(1f)), d);
    }

    // ---------------------------------------------------------------- erf

    /** 2/sqrt(pi) = ERF_C0_HI + ERF_C0_LO, so that erf x ~ 2x/sqrt(pi) is right to the last bit near 0. */
    private static final float ERF_C0_HI = 1.128379225730896f, ERF_C0_LO = -5.863538343753305e-08f;
    /** erf a = a (2/sqrt(pi) + a^2 P(a^2)) on [0, 0.875], minimax for relative error: 5.1e-10. */
    private static final float[] ERF_P = {-0.37612634897232056f, 0.11283702403306961f, -0.026859495788812637f,
            0.005200829356908798f, -0.0008136638789437711f, 8.331118442583829e-05f};
    /** erfc a = e^(-a^2) Q(a - 2.4375) on [0.875, 4], minimax for absolute error of erfc: 1.2e-9. */
    private static final float[] ERF_Q = {0.21555235981941223f, -0.0775647684931755f, 0.026484375819563866f,
            -0.008638769388198853f, 0.0028062534984201193f, -0.0006875256658531725f, 0.00023910643358249217f,
            -0.00019931020506192f, -9.297698852606118e-05f, -3.806737367995083e-05f};

    /**
     * erf x = sign(x) erf |x|. Below 0.875 an odd polynomial, as the Maclaurin series
     * (Abramowitz and Stegun 7.1.5) but minimax. Above it erf = 1 - erfc with erfc a = e^(-a^2)
     * Q(a), Q smooth (e^(a^2) erfc a is entire and falls like 1/(a sqrt(pi)), A and S 7.1.23),
     * fitted in a - 2.4375 so that Horner does not cancel; the error of e^(-a^2) is damped by
     * erfc <= 0.22. From |x| = 4 on erf rounds to 1 (erfc 4 = 1.5e-8 < ulp(1)/4), so |x| is
     * clamped there, which also makes erf(+-inf) = +-1.
     */
    private LLVMValueRef erf(LLVMValueRef x) {
        LLVMValueRef a = intr("llvm.fabs", x);
        LLVMValueRef a2 = m.fmulStrict(a, a);
        LLVMValueRef small = m.fma(a, c(ERF_C0_HI), m.fmulStrict(a, m.fma(a2, horner(a2, ERF_P), c(ERF_C0_LO))));
        LLVMValueRef ac = m.select(m.fcmp(LLVMRealOGT, a, c(4f)), c(4f), a); // NaN stays NaN
        LLVMValueRef q = horner(m.fsubStrict(ac, c(2.4375f)), ERF_Q);
        LLVMValueRef big = m.fsubStrict(c(1f), m.fmulStrict(exp(m.fneg(m.fmulStrict(ac, ac))), q));
        return intr("llvm.copysign", m.select(m.fcmp(LLVMRealOLT, a, c(0.875f)), small, big), x);
    }

    // ---------------------------------------------------------------- helpers

    /** p[0] + x (p[1] + x (p[2] + ...)) with fmas. */
    private LLVMValueRef horner(LLVMValueRef x, float[] p) {
        LLVMValueRef acc = c(p[p.length - 1]);
        for (int k = p.length - 2; k >= 0; k--) acc = m.fma(acc, x, c(p[k]));
        return acc;
    }

    private LLVMValueRef isNaN(LLVMValueRef x) { return m.fcmp(LLVMRealUNO, x, x); }

    private LLVMValueRef intr(String name, LLVMValueRef... args) { return m.intrinsic(name, ft, args); }

    private LLVMValueRef c(float v) { return m.constReal(ft, v); }

    private LLVMValueRef i(int v) { return m.constInt(it, v); }
}
