package strata.compiler.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.llvm.LLVM.LLVMErrorRef;
import org.bytedeco.llvm.LLVM.LLVMTargetMachineRef;
import org.bytedeco.llvm.LLVM.LLVMTargetRef;

/**
 * The process-wide LLVM set-up: native target initialization (once per JVM, ~100 ms) and the
 * host's triple, CPU name and features, so that generated code uses what this CPU has (AVX-512
 * on the machines Strata is measured on).
 */
public final class Llvm {
    private static volatile boolean initialized;
    private static String triple, cpu, features;

    private Llvm() {}

    public static synchronized void init() {
        if (initialized) return;
        LLVMInitializeNativeTarget();
        LLVMInitializeNativeAsmPrinter();
        BytePointer t = LLVMGetDefaultTargetTriple();
        triple = t.getString();
        LLVMDisposeMessage(t);
        BytePointer c = LLVMGetHostCPUName();
        cpu = c.getString();
        LLVMDisposeMessage(c);
        BytePointer f = LLVMGetHostCPUFeatures();
        features = f.getString();
        LLVMDisposeMessage(f);
        initialized = true;
    }

    public static String triple() { init(); return triple; }

    public static String cpu() { init(); return cpu; }

    public static String features() { init(); return features; }

    /** A target machine for this CPU at O3. LLJIT takes ownership of the ones it is given. */
    static LLVMTargetMachineRef hostMachine() {
        init();
        BytePointer err = new BytePointer((Pointer) null);
        LLVMTargetRef target = new LLVMTargetRef();
        if (LLVMGetTargetFromTriple(new BytePointer(triple), target, err) != 0) throw new LlvmException("no target for " + triple + ": " + message(err));
        return LLVMCreateTargetMachine(target, triple, cpu, features, LLVMCodeGenLevelAggressive, LLVMRelocDefault, LLVMCodeModelJITDefault);
    }

    static String message(BytePointer p) {
        if (p == null || p.isNull()) return "(no message)";
        String s = p.getString();
        LLVMDisposeMessage(p);
        return s;
    }

    /** Turns a non-null LLVMErrorRef into an exception, as every LLVM C API error must be. */
    static void check(LLVMErrorRef e, String what) {
        if (e == null || e.isNull()) return;
        BytePointer m = LLVMGetErrorMessage(e);
        String s = m.getString();
        LLVMDisposeErrorMessage(m);
        throw new LlvmException(what + ": " + s);
    }
}
