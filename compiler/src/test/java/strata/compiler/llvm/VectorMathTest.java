package strata.compiler.llvm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.function.BiFunction;
import java.util.function.DoubleUnaryOperator;
import java.util.regex.Pattern;
import org.bytedeco.llvm.LLVM.LLVMTypeRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import strata.compiler.interp.Erf;

/**
 * Accuracy of VectorMath against StrictMath (and the interpreter's double erf), in ulps of the
 * float nearest the exact value: |got - exact| / ulp((float) exact), subnormal ulps included,
 * so half an ulp is the best any float function can do. Inputs: a dense uniform sweep of
 * [-100, 100] (2^21 points), every 512th float up to 100 in magnitude, from subnormals up
 * (2.2 million of either sign), and the special values; for log every 512th positive float,
 * a dense sweep of [0.5, 2] around the zero at 1, and negatives. No absolute-error exemption is
 * used anywhere: the small-argument forms keep relative accuracy down to subnormals. Special
 * values must match exactly (NaN for NaN, +-inf, +-1 and 0 where the limit is exact).
 * Run with {@code mvn -pl compiler -am test -Dtest=VectorMathTest -Dsurefire.failIfNoSpecifiedTests=false}
 * to see the measured maxima.
 */
class VectorMathTest {
    private static final float[] SPECIAL = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 0x1p-127f, -0x1p-140f, Float.MAX_VALUE, -Float.MAX_VALUE,
            88.72f, 88.7228f, 88.73f, -87.33f, -103.9f, -104f, -105f, 9.01f, -9.1f, 3.92f, 4f, 0.625f, 0.875f, 1f, -1f};
    private static Jit jit;
    private static String assembly;
    private static final String[] NAMES = {"exp", "log", "tanh", "erf", "sigmoid"};
    private static final MethodHandle[] KERNELS = new MethodHandle[NAMES.length];

    /** out[i] = f(in[i]) for i < n. */
    private static void kernel(IrModule m, String name, BiFunction<IrModule, LLVMValueRef, LLVMValueRef> f) {
        LLVMValueRef fn = m.function("vm_" + name, m.voidType(), m.ptr(), m.ptr(), m.i64());
        m.loop(fn, m.constI64(0), m.param(fn, 2), i -> {
            LLVMValueRef x = m.load(m.f32(), m.gep(m.f32(), m.param(fn, 0), i));
            m.store(f.apply(m, x), m.gep(m.f32(), m.param(fn, 1), i));
        });
        m.retVoid();
    }

    @BeforeAll
    static void compile() {
        IrModule m = new IrModule("vmath");
        kernel(m, "exp", VectorMath::exp);
        kernel(m, "log", VectorMath::log);
        kernel(m, "tanh", VectorMath::tanh);
        kernel(m, "erf", VectorMath::erf);
        kernel(m, "sigmoid", VectorMath::sigmoid);
        // the same functions on an explicit <8 x float>, one vector per call
        LLVMTypeRef v8 = m.vector(m.f32(), 8);
        LLVMValueRef fn = m.function("vm_vector8", m.voidType(), m.ptr(), m.ptr());
        LLVMValueRef x = m.load(v8, m.param(fn, 0));
        LLVMValueRef y = m.fadd(m.fadd(VectorMath.exp(m, x), VectorMath.log(m, x)), m.fadd(VectorMath.tanh(m, x),
                m.fadd(VectorMath.erf(m, x), VectorMath.sigmoid(m, x))));
        m.store(y, m.param(fn, 1));
        m.retVoid();
        m.optimize();
        assembly = m.assembly();
        jit = new Jit();
        jit.add(m);
        for (int k = 0; k < NAMES.length; k++)
            KERNELS[k] = Linker.nativeLinker().downcallHandle(jit.lookup("vm_" + NAMES[k]),
                    FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_LONG), Linker.Option.critical(true));
    }

    @AfterAll
    static void close() { jit.close(); }

    @Test
    void explicitVectorsGiveTheScalarResults() throws Throwable {
        float[] xs = {0.5f, 1f, 2.5f, 7f, 1e-3f, 30f, 0.875f, 3f};
        float[] want = new float[8];
        for (String f : NAMES) {
            float[] r = run(f, xs);
            for (int i = 0; i < 8; i++) want[i] += r[i];
        }
        try (Arena arena = Arena.ofConfined()) {
            // a <8 x float> load or store assumes 32-byte alignment (vmovaps faults otherwise)
            MemorySegment in = arena.allocate(32, 32), out = arena.allocate(32, 32);
            MemorySegment.copy(xs, 0, in, JAVA_FLOAT, 0, 8);
            MethodHandle h = Linker.nativeLinker().downcallHandle(jit.lookup("vm_vector8"), FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
            h.invokeExact(in, out);
            for (int i = 0; i < 8; i++) assertEquals(want[i], out.getAtIndex(JAVA_FLOAT, i), Math.ulp(want[i]) * 4, "lane " + i);
        }
    }

    private static float[] run(String name, float[] xs) {
        int k = java.util.Arrays.asList(NAMES).indexOf(name);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(JAVA_FLOAT, xs.length), out = arena.allocate(JAVA_FLOAT, xs.length);
            MemorySegment.copy(xs, 0, in, JAVA_FLOAT, 0, xs.length);
            KERNELS[k].invokeExact(in, out, (long) xs.length);
            return out.toArray(JAVA_FLOAT);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The sweeps of the class comment; symmetric ones get both signs. */
    private static float[] inputs(boolean positiveOnly) {
        int dense = 1 << 21, stride = 512;
        float top = positiveOnly ? Float.MAX_VALUE : 100f;
        int bitsTop = Float.floatToRawIntBits(top), strided = bitsTop / stride + 1;
        float[] xs = new float[dense + 2 * strided + SPECIAL.length];
        int n = 0;
        float lo = positiveOnly ? 0.5f : -100f, hi = positiveOnly ? 2f : 100f;
        for (int i = 0; i < dense; i++) xs[n++] = lo + (hi - lo) * i / (dense - 1);
        for (int i = 0; i < strided; i++) {
            float x = Float.intBitsToFloat(i * stride);
            xs[n++] = x;
            xs[n++] = positiveOnly ? -x * 1e-3f : -x; // log: a few negatives suffice
        }
        for (float s : SPECIAL) xs[n++] = s;
        return xs;
    }

    /** Max ulp error over the inputs; special results (NaN, infinities) must match exactly. */
    private static double maxUlps(String name, boolean positiveOnly, DoubleUnaryOperator exact) {
        float[] xs = inputs(positiveOnly);
        float[] got = run(name, xs);
        double worst = 0;
        float worstX = 0;
        for (int i = 0; i < xs.length; i++) {
            double want = exact.applyAsDouble(xs[i]);
            float g = got[i];
            double err;
            if (Double.isNaN(want) || Double.isInfinite(want) || Float.isNaN(g) || Float.isInfinite(g))
                err = Float.compare(g, (float) want) == 0 || (Float.isNaN(g) && Double.isNaN(want)) ? 0 : Double.POSITIVE_INFINITY;
            else err = Math.abs(g - want) / Math.ulp((float) want);
            if (err > worst) {
                worst = err;
                worstX = xs[i];
            }
        }
        System.out.printf("VectorMath %-8s max error %.3f ulp (at x = %s) over %d inputs%n", name, worst, Float.toString(worstX), xs.length);
        return worst;
    }

    private static double sigmoid(double x) {
        if (Double.isNaN(x)) return x;
        return x >= 0 ? 1 / (1 + StrictMath.exp(-x)) : StrictMath.exp(x) / (1 + StrictMath.exp(x));
    }

    @Test
    void expIsWithinTwoUlpsEverywhere() {
        assertTrue(maxUlps("exp", false, StrictMath::exp) <= 2);
    }

    @Test
    void logIsWithinTwoUlpsOnAllPositiveFloats() {
        assertTrue(maxUlps("log", true, StrictMath::log) <= 2);
    }

    @Test
    void tanhIsWithinFourUlpsAndSaturatesExactly() {
        assertTrue(maxUlps("tanh", false, StrictMath::tanh) <= 4);
        assertEquals(1f, run("tanh", new float[] {9.1f})[0]);
        assertEquals(-1f, run("tanh", new float[] {-50f})[0]);
    }

    @Test
    void erfIsWithinFourUlpsAndIsOneAtInfinity() {
        assertTrue(maxUlps("erf", false, x -> Double.isInfinite(x) ? Math.signum(x) : Erf.erf(x)) <= 4);
    }

    @Test
    void sigmoidIsWithinFourUlpsWithoutOverflow() {
        assertTrue(maxUlps("sigmoid", false, VectorMathTest::sigmoid) <= 4);
    }

    @Test
    void specialValuesFollowTheLimits() {
        float[] got = run("exp", new float[] {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN, 0f, 100f, -200f});
        assertEquals(0f, got[0]);
        assertEquals(Float.POSITIVE_INFINITY, got[1]);
        assertTrue(Float.isNaN(got[2]));
        assertEquals(1f, got[3]);
        assertEquals(Float.POSITIVE_INFINITY, got[4]);
        assertEquals(0f, got[5]);
        got = run("log", new float[] {0f, -0f, -1f, Float.POSITIVE_INFINITY, Float.NaN, 1f});
        assertEquals(Float.NEGATIVE_INFINITY, got[0]);
        assertEquals(Float.NEGATIVE_INFINITY, got[1]);
        assertTrue(Float.isNaN(got[2]));
        assertEquals(Float.POSITIVE_INFINITY, got[3]);
        assertTrue(Float.isNaN(got[4]));
        assertEquals(0f, got[5]);
        got = run("erf", new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN});
        assertEquals(1f, got[0]);
        assertEquals(-1f, got[1]);
        assertTrue(Float.isNaN(got[2]));
        got = run("sigmoid", new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, -1000f, 1000f});
        assertEquals(1f, got[0]);
        assertEquals(0f, got[1]);
        assertTrue(Float.isNaN(got[2]));
        assertEquals(0f, got[3]);
        assertEquals(1f, got[4]);
    }

    @Test
    void loopsOverTheFunctionsVectorizeWithoutLibmCalls() {
        for (String libm : new String[] {"expf", "logf", "tanhf", "erff"}) assertFalse(assembly.contains(libm), libm);
        assertTrue(Pattern.compile("vfmadd\\w*ps\\s+[^\\n]*%[yz]mm").matcher(assembly).find(), "packed FMAs on ymm/zmm registers");
    }
}
