package strata.compiler.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.llvm.LLVM.LLVMMemoryBufferRef;
import org.bytedeco.llvm.LLVM.LLVMModuleRef;
import org.bytedeco.llvm.LLVM.LLVMTargetMachineRef;

/** Object files for this CPU: emitted from an optimized module, and the bytes the cache stores. */
public final class ObjectCode {
    private ObjectCode() {}

    /** The host object file of an (optimized) module, emitted from a clone so the module stays usable. */
    public static byte[] emit(IrModule m) {
        m.verify();
        LLVMTargetMachineRef tm = Llvm.hostMachine();
        LLVMModuleRef clone = LLVMCloneModule(m.mod);
        try {
            BytePointer err = new BytePointer((Pointer) null);
            LLVMMemoryBufferRef buf = new LLVMMemoryBufferRef();
            if (LLVMTargetMachineEmitToMemoryBuffer(tm, clone, LLVMObjectFile, err, buf) != 0)
                throw new LlvmException("cannot emit an object file: " + Llvm.message(err));
            BytePointer start = LLVMGetBufferStart(buf);
            byte[] out = new byte[(int) LLVMGetBufferSize(buf)];
            start.get(out);
            LLVMDisposeMemoryBuffer(buf);
            return out;
        } finally {
            LLVMDisposeModule(clone);
            LLVMDisposeTargetMachine(tm);
        }
    }
}
