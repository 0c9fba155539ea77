package strata.runtime.generate;

import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import strata.compiler.decode.NotDecodable;
import strata.compiler.graph.Graph;
import strata.runtime.KernelPool;
import strata.runtime.Tensor;

/**
 * Continues a prompt token by token with a compiled decoder-only model: with a KV cache
 * ({@link KvGenerator}) when its masks are causal, else by recomputing the window for each token
 * ({@link Generator}). Which one runs is a runtime choice; the tokens they choose are the same.
 */
public sealed interface TokenDecoder extends AutoCloseable permits Generator, KvGenerator {
    /**
     * Continues {@code prompt} by {@code count} tokens; each new token is also given to {@code each}
     * as it is chosen (to print as it goes). Returns prompt and continuation.
     */
    int[] generate(int[] prompt, int count, Sampling sampling, long seed, IntConsumer each);

    @Override void close();

    /** Tokens {@code ids[from .. from + n)} as the model's input, i32[1, n]. */
    static Tensor window(java.lang.foreign.Arena arena, int[] ids, int from, int n) {
        Tensor t = Tensor.allocate(arena, strata.compiler.graph.DType.I32, 1, n);
        t.data().copyFrom(java.lang.foreign.MemorySegment.ofArray(java.util.Arrays.copyOfRange(ids, from, from + n)));
        return t;
    }

    /**
     * The cached decoder of {@code forward} when it has a decode program, else full recomputation,
     * with the reason (the mask's counterexample, or the op that mixes tokens) given to {@code why}.
     */
    static TokenDecoder of(Graph forward, Map<String, Tensor> params, long block, KernelPool pool, boolean useCache, Consumer<String> why) {
        return of(forward, params, block, 0, pool, useCache, why);
    }

    /** As above, sampling only ids below {@code vocabulary} (the tokenizer's size; 0 for all the model's rows). */
    static TokenDecoder of(Graph forward, Map<String, Tensor> params, long block, int vocabulary, KernelPool pool, boolean useCache, Consumer<String> why) {
        if (useCache) {
            try {
                return new KvGenerator(forward, params, block, vocabulary, pool);
            } catch (NotDecodable e) {
                why.accept(e.getMessage());
            }
        }
        return new Generator(forward, params, block, vocabulary, pool);
    }
}
