package strata.compiler.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import java.lang.foreign.MemorySegment;
import org.bytedeco.llvm.LLVM.LLVMOrcDefinitionGeneratorRef;
import org.bytedeco.llvm.LLVM.LLVMOrcJITTargetMachineBuilderRef;
import org.bytedeco.llvm.LLVM.LLVMOrcLLJITBuilderRef;
import org.bytedeco.llvm.LLVM.LLVMOrcLLJITRef;
import org.bytedeco.llvm.LLVM.LLVMOrcThreadSafeModuleRef;

/** An ORC LLJIT for the host CPU: takes optimized modules and hands back function addresses. */
public final class Jit implements AutoCloseable {
    private final LLVMOrcLLJITRef jit = new LLVMOrcLLJITRef();
    private boolean closed;

    public Jit() {
        Llvm.init();
        LLVMOrcLLJITBuilderRef jb = LLVMOrcCreateLLJITBuilder();
        LLVMOrcJITTargetMachineBuilderRef jtmb = new LLVMOrcJITTargetMachineBuilderRef();
        Llvm.check(LLVMOrcJITTargetMachineBuilderDetectHost(jtmb), "detecting the host");
        LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(jb, jtmb);
        Llvm.check(LLVMOrcCreateLLJIT(jit, jb), "creating the JIT");
        // let generated code call the C library of this process (libm's expf, erff, ...)
        LLVMOrcDefinitionGeneratorRef gen = new LLVMOrcDefinitionGeneratorRef();
        Llvm.check(LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(gen, LLVMOrcLLJITGetGlobalPrefix(jit), (org.bytedeco.llvm.LLVM.LLVMOrcSymbolPredicate) null, null),
                "searching this process for symbols");
        LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(jit), gen);
    }

    /** Hands the module to the JIT; the module must not be used afterwards. */
    public void add(IrModule m) {
        if (closed) throw new IllegalStateException("JIT is closed");
        m.verify();
        m.disposeBuilder();
        LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(m.mod, m.tsc);
        m.mod = null;
        Llvm.check(LLVMOrcLLJITAddLLVMIRModule(jit, LLVMOrcLLJITGetMainJITDylib(jit), tsm), "adding a module");
        LLVMOrcDisposeThreadSafeContext(m.tsc);
    }

    /** Adds an object file compiled for this CPU (from {@link ObjectCode#emit} or the cache). */
    public void addObject(byte[] object) {
        if (closed) throw new IllegalStateException("JIT is closed");
        org.bytedeco.javacpp.BytePointer bytes = new org.bytedeco.javacpp.BytePointer(object);
        var buf = LLVMCreateMemoryBufferWithMemoryRangeCopy(bytes, object.length, new org.bytedeco.javacpp.BytePointer("strata-object"));
        Llvm.check(LLVMOrcLLJITAddObjectFile(jit, LLVMOrcLLJITGetMainJITDylib(jit), buf), "adding an object file");
    }

    /** The address of a compiled function. */
    public MemorySegment lookup(String name) {
        long[] addr = new long[1];
        Llvm.check(LLVMOrcLLJITLookup(jit, addr, name), "looking up " + name);
        return MemorySegment.ofAddress(addr[0]);
    }

    @Override public void close() {
        if (closed) return;
        closed = true;
        Llvm.check(LLVMOrcDisposeLLJIT(jit), "disposing the JIT");
    }
}
