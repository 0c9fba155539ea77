package strata.compiler.kernel;

import java.util.List;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;

/**
 * A kernel: a loop nest over buffers. Each buffer is a row-major view of its memory with the
 * shape the kernel sees (the executor checks the element count); sizes are the symbols the
 * shapes and loop bounds use, passed at run time. Codegen gives the function
 * {@code void name(ptr buffers..., i64 sizes..., i64 lo, i64 hi)} where [lo, hi) is the slice of
 * the outermost parallel loop this call runs.
 */
public record Kernel(String name, List<Buffer> buffers, List<String> sizes, List<KStmt> body) {

    public Kernel {
        buffers = List.copyOf(buffers);
        sizes = List.copyOf(sizes);
        body = List.copyOf(body);
    }

    public enum Access { IN, OUT, INOUT }

    public record Buffer(String name, DType dtype, List<Dim> shape, Access access) {
        public Buffer { shape = List.copyOf(shape); }

        public Dim numel() {
            Dim n = Dim.of(1);
            for (Dim d : shape) n = n.times(d);
            return n;
        }
    }

    public Buffer buffer(String name) {
        for (Buffer b : buffers) if (b.name().equals(name)) return b;
        throw new IllegalArgumentException("kernel " + this.name + " has no buffer " + name);
    }

    /** The outermost parallel loop's extent, or null when the kernel has none. */
    public KStmt.Loop parallelLoop() {
        for (KStmt s : body) if (s instanceof KStmt.Loop l && l.kind() == KStmt.LoopKind.PARALLEL) return l;
        return null;
    }
}
