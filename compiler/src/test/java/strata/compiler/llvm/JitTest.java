package strata.compiler.llvm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import org.bytedeco.llvm.LLVM.LLVMValueRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JitTest {
    private static Jit jit;
    private static MethodHandle fma;

    /** out[i] = a[i] * b[i] + c for i < n. */
    private static IrModule fmaModule() {
        IrModule m = new IrModule("fma");
        LLVMValueRef fn = m.function("mul_add", m.voidType(), m.ptr(), m.ptr(), m.ptr(), m.f32(), m.i64());
        m.loop(fn, m.constI64(0), m.param(fn, 4), i -> {
            LLVMValueRef a = m.load(m.f32(), m.gep(m.f32(), m.param(fn, 0), i));
            LLVMValueRef b = m.load(m.f32(), m.gep(m.f32(), m.param(fn, 1), i));
            m.store(m.fadd(m.fmul(a, b), m.param(fn, 3)), m.gep(m.f32(), m.param(fn, 2), i));
        });
        m.retVoid();
        return m;
    }

    @BeforeAll
    static void compile() throws Throwable {
        IrModule m = fmaModule();
        m.optimize();
        jit = new Jit();
        jit.add(m);
        fma = Linker.nativeLinker().downcallHandle(jit.lookup("mul_add"),
                FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS, JAVA_FLOAT, JAVA_LONG), Linker.Option.critical(true));
    }

    @AfterAll
    static void close() { jit.close(); }

    @Test
    void jitCompiledLoopMatchesJavaOnOddSizes() {
        qt().withExamples(50).forAll(integers().between(0, 5000)).checkAssert(n -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment a = arena.allocate(JAVA_FLOAT, Math.max(1, n)), b = arena.allocate(JAVA_FLOAT, Math.max(1, n)),
                        out = arena.allocate(JAVA_FLOAT, Math.max(1, n));
                for (int i = 0; i < n; i++) {
                    a.setAtIndex(JAVA_FLOAT, i, i * 0.5f - 3);
                    b.setAtIndex(JAVA_FLOAT, i, 1.25f - i * 0.01f);
                }
                fma.invokeExact(a, b, out, 0.75f, (long) n);
                for (int i = 0; i < n; i++) {
                    float expect = (i * 0.5f - 3) * (1.25f - i * 0.01f) + 0.75f;
                    // contraction may fuse into one FMA: at most one rounding apart
                    assertEquals(expect, out.getAtIndex(JAVA_FLOAT, i), Math.ulp(expect) * 2 + 1e-7f);
                }
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        });
    }

    @Test
    void optimizedLoopIsVectorizedForThisCpu() {
        IrModule m = fmaModule();
        m.optimize();
        String asm = m.assembly();
        assertTrue(asm.contains("ps\t") || asm.contains("ps "), "expected packed single-precision instructions:\n" + asm);
    }

    @Test
    void invalidModuleIsRefusedWithoutCrashing() {
        IrModule m = new IrModule("bad");
        m.function("no_terminator", m.voidType(), m.ptr());
        LlvmException e = org.junit.jupiter.api.Assertions.assertThrows(LlvmException.class, m::verify);
        assertTrue(e.getMessage().contains("invalid LLVM module"));
    }
}
