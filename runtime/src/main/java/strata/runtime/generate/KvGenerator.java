package strata.runtime.generate;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import strata.compiler.decode.DecodeProgram;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.runtime.CpuExecutable;
import strata.runtime.KernelPool;
import strata.runtime.Tensor;

/**
 * Autoregressive generation with a KV cache: the model's {@link DecodeProgram}, compiled once,
 * runs the prompt once (P = 0, N = prompt length), then one token at a time (N = 1) with the
 * caches it returned fed back, so a step costs O(P) in attention instead of the whole window's
 * forward. The symbols P and N bind per call. When the cache would pass {@code block} tokens the
 * window slides as in {@link Generator}: the last {@code block} tokens are run again from P = 0
 * (learned positions would otherwise run off their table), so both choose the same tokens.
 *
 * <p>The caches of a step live in that step's arena, which is closed once the next step has read
 * them; each step's concat copies the cache (O(P) per token and layer, the same order as the
 * attention that reads it).
 */
public final class KvGenerator implements TokenDecoder {
    private final DecodeProgram.Result program;
    private final int vocabulary;
    private final CpuExecutable exe;
    private final Map<String, Tensor> params;
    private final long block;

    /** Throws {@link strata.compiler.decode.NotDecodable} when the model has no decode program. */
    public KvGenerator(Graph forward, Map<String, Tensor> params, long block, KernelPool pool) { this(forward, params, block, 0, pool); }

    /** @param vocabulary sample only ids below this (the tokenizer's size, when the model's rows are more); 0 for all */
    public KvGenerator(Graph forward, Map<String, Tensor> params, long block, int vocabulary, KernelPool pool) {
        this.vocabulary = vocabulary;
        this.program = DecodeProgram.build(forward);
        this.exe = CpuExecutable.compile(program.graph(), pool);
        this.params = params;
        this.block = block;
    }

    @Override public int[] generate(int[] prompt, int count, Sampling sampling, long seed, IntConsumer each) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty; give at least one token");
        int[] out = Arrays.copyOf(prompt, prompt.length + count);
        SplittableRandom rnd = new SplittableRandom(seed);
        Arena held = null;
        Map<String, Tensor> caches = null;
        long cached = 0;
        try {
            for (int i = prompt.length; i < out.length; i++) {
                int from, n;
                if (caches == null || cached + 1 > block) { // the prompt, or the window slid: run the last block tokens from P = 0
                    from = (int) Math.max(0, i - block);
                    n = i - from;
                    cached = 0;
                    caches = null;
                } else {
                    from = i - 1;
                    n = 1;
                }
                Arena a = Arena.ofConfined();
                Map<String, Tensor> in = caches == null ? emptyCaches(a) : new HashMap<>(caches);
                in.put(program.tokensInput(), TokenDecoder.window(a, out, from, n));
                List<Tensor> res = exe.run(a, in, params);
                if (held != null) held.close();
                held = a;
                caches = new HashMap<>();
                for (DecodeProgram.Layer l : program.layers()) {
                    caches.put(l.keyInput(), res.get(l.keyOutput()));
                    caches.put(l.valueInput(), res.get(l.valueOutput()));
                }
                cached += n;
                out[i] = sampling.pickLast(res.getFirst(), vocabulary, rnd);
                each.accept(out[i]);
            }
        } finally {
            if (held != null) held.close();
        }
        return out;
    }

    // P = 0: caches with no tokens yet, [1, Hkv, 0, hd]
    private Map<String, Tensor> emptyCaches(Arena a) {
        Map<String, Tensor> m = new HashMap<>();
        for (DecodeProgram.Layer l : program.layers()) {
            long[] shape = {1, l.cacheType().dim(1).value(), 0, l.cacheType().dim(3).value()};
            m.put(l.keyInput(), Tensor.allocate(a, DType.F32, shape));
            m.put(l.valueInput(), Tensor.allocate(a, DType.F32, shape));
        }
        return m;
    }

    @Override public void close() { exe.close(); }
}
