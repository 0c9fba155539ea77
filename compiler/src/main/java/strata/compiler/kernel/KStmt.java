package strata.compiler.kernel;

import java.util.List;
import strata.compiler.graph.DType;

/** Statements of the kernel dialect: loop nests over buffers with mutable scalar locals. */
public sealed interface KStmt {

    /** How a loop may be run: in order, split across threads, or as SIMD lanes of a width. */
    enum LoopKind { SERIAL, PARALLEL, VECTOR, UNROLL }

    /**
     * {@code for var in lo .. hi}. A PARALLEL loop must be a kernel's outermost loop; the runtime
     * hands each thread a sub-range. {@code width} is the vector width or unroll factor (0 if none).
     */
    record Loop(String var, KExpr lo, KExpr hi, LoopKind kind, int width, List<KStmt> body) implements KStmt {
        public Loop { body = List.copyOf(body); }
    }

    /** Declares a mutable local scalar with its initial value (accumulators of reductions). */
    record Local(String name, DType type, KExpr init) implements KStmt {}

    /** Assigns a local: {@code acc = acc + x}. */
    record Assign(String name, KExpr value) implements KStmt {}

    record Store(String buffer, List<KExpr> index, KExpr value) implements KStmt {
        public Store { index = List.copyOf(index); }
    }
}
