package strata.runtime.train;

import java.lang.foreign.Arena;
import java.util.Map;
import strata.runtime.Tensor;

/**
 * Where a training run's batches come from: each is a pure function of its index (and the
 * source's seed), so a resumed run sees exactly the batches an uninterrupted one would.
 */
public interface Batches {
    /** The inputs of training batch {@code step}, by the training graph's input names. */
    Map<String, Tensor> train(long step, Arena arena);

    /** Validation batch {@code index}: the same batches every evaluation. */
    Map<String, Tensor> validation(long index, Arena arena);

    /** Tokens one training batch holds (for tokens per second). */
    long tokensPerBatch();
}
