package strata.compiler.autodiff;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import strata.compiler.graph.Op;
import strata.compiler.graph.Value;

/**
 * The gradient rule of every op kind: given an op and the adjoint {@code dy} of its result, the
 * adjoint of each operand (null for an operand that carries no derivative or that no trainable
 * value reaches, so that no op is emitted for it). The rules live by family in
 * {@link ElementwiseRules}, {@link StructuralRules} (reductions, movement, contraction),
 * {@link CompositeRules} and {@link AttentionRules}.
 */
final class GradientRules {
    private GradientRules() {}

    static List<Value> adjoints(Op op, Value dy, Predicate<Value> needs, AdjointBuilder b) {
        Value[] d = new Value[op.operands().size()];
        switch (op.kind().category()) {
            // sources have no operands; comparisons and logic yield bool, which is never on a path
            case SOURCE, COMPARE, LOGIC -> { }
            case UNARY, BINARY, SELECT -> ElementwiseRules.adjoints(op, dy, needs, b, d);
            case REDUCE, MOVEMENT, CONTRACTION -> StructuralRules.adjoints(op, dy, needs, b, d);
            case COMPOSITE -> {
                switch (op.kind()) {
                    case ATTENTION -> AttentionRules.adjoints(op, dy, needs, b, d);
                    default -> CompositeRules.adjoints(op, dy, needs, b, d);
                }
            }
        }
        return Arrays.asList(d);
    }

    /** Adjoints of the values an op's regions capture (attention's score modifier reading a learned table). */
    static Map<Value, Value> capturedAdjoints(Op op, Value dy, Predicate<Value> needs, AdjointBuilder b) {
        if (op.regions().isEmpty()) return Map.of();
        return AttentionRules.capturedAdjoints(op, dy, needs, b);
    }
}
