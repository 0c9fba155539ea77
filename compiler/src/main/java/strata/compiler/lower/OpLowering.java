package strata.compiler.lower;

import java.util.List;
import java.util.Map;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Op;
import strata.compiler.graph.Value;
import strata.compiler.kernel.Kernel;

/**
 * Chooses the lowering of each stored value of a graph (a group root of {@link ElementwiseFusion})
 * and returns what the runtime needs to compute it: kernels to call in order, or, for a reshape,
 * the value whose memory it shares. A kernel buffer named {@code v<id>} is that graph value; any
 * other name is a temporary of the lowering, allocated with the buffer's shape for the run.
 */
public final class OpLowering {
    private OpLowering() {}

    /** A run-time condition on the bound sizes: {@code small <= large}, else the run is refused with {@code what}. */
    public record Requirement(Dim small, Dim large, String what) {}

    /**
     * How one stored value is computed.
     *
     * @param kernels      called in order
     * @param aliasOf      when not null, the value is this operand's memory under its own shape (no kernel)
     * @param requirements checked before any kernel runs
     */
    public record Lowered(List<Kernel> kernels, Value aliasOf, List<Requirement> requirements) {
        public Lowered {
            kernels = List.copyOf(kernels);
            requirements = List.copyOf(requirements);
        }

        static Lowered of(Kernel... ks) { return new Lowered(List.of(ks), null, List.of()); }
    }

    /**
     * The lowering of {@code root} with the pointwise ops fused into it; {@code name} prefixes its
     * kernels' names.
     *
     * @throws UnsupportedOperationException for an op with no CPU lowering, naming it and why
     */
    public static Lowered lower(String name, Op root, List<Op> members, Map<Value, Op> producers) {
        return lower(name, root, members, producers, true);
    }

    /** As {@link #lower(String, Op, List, Map)}; {@code fuseAttention} false keeps the three-kernel attention (a benchmark's peer). */
    public static Lowered lower(String name, Op root, List<Op> members, Map<Value, Op> producers, boolean fuseAttention) {
        return lower(name, root, members, producers, fuseAttention, false);
    }

    /** As {@link #lower(String, Op, List, Map, boolean)}; {@code training} makes dropout mask (KernelLowering). */
    public static Lowered lower(String name, Op root, List<Op> members, Map<Value, Op> producers, boolean fuseAttention, boolean training) {
        if (ElementwiseFusion.isPointwise(root))
            return Lowered.of(KernelLowering.elementwise(name, root, members, producers, training));
        return switch (root.kind()) {
            case RESHAPE -> new Lowered(List.of(), root.operands().getFirst(), List.of());
            case SUM, REDUCE_MAX, ARGMAX -> new Lowered(ReductionLowering.reduceKernels(name, root), null, List.of());
            case SOFTMAX -> Lowered.of(ReductionLowering.softmax(name, root));
            case CROSS_ENTROPY -> Lowered.of(ReductionLowering.crossEntropy(name, root));
            case LAYER_NORM, RMS_NORM -> Lowered.of(NormLowering.norm(name, root));
            case PERMUTE -> Lowered.of(MovementLowering.permute(name, root));
            case SLICE -> new Lowered(List.of(MovementLowering.slice(name, root)), null, MovementLowering.sliceRequirements(root));
            case CONCAT -> Lowered.of(MovementLowering.concat(name, root));
            case PAD -> Lowered.of(MovementLowering.pad(name, root));
            case GATHER -> Lowered.of(MovementLowering.gather(name, root));
            case SCATTER_ADD -> new Lowered(MovementLowering.scatterAdd(name, root), null, List.of());
            case MATMUL -> Lowered.of(ContractionLowering.matmul(name, root));
            case ATTENTION -> fuseAttention ? Lowered.of(FusedAttention.lower(name, root, producers))
                    : new Lowered(AttentionLowering.unfused(name, root, producers), null, List.of());
            case ATTENTION_GRAD -> new Lowered(FusedAttentionGrad.lower(name, root, producers), null, List.of());
            default -> throw new UnsupportedOperationException("the CPU backend has no kernel for `" + root.kind().mnemonic() + "`");
        };
    }
}
