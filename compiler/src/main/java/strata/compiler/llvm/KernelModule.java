package strata.compiler.llvm;

import java.util.List;
import strata.compiler.kernel.Kernel;

/** One LLVM module holding a program's kernels, optimized for this CPU. */
public final class KernelModule {
    private KernelModule() {}

    public static IrModule of(String name, List<Kernel> kernels) {
        IrModule m = new IrModule(name);
        for (Kernel k : kernels) KernelCodegen.emit(m, k);
        m.optimize();
        return m;
    }
}
