package strata.runtime.generate;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.runtime.CpuExecutable;
import strata.runtime.KernelPool;
import strata.runtime.Tensor;

/**
 * Autoregressive generation with a compiled decoder-only model whose forward maps tokens
 * i32[B, T] to logits f32[B, T, V]: each new token runs the forward on the last {@code block}
 * tokens (batch 1) and samples from the last position's logits.
 */
public final class Generator implements TokenDecoder {
    private final CpuExecutable exe;
    private final Map<String, Tensor> params;
    private final String input;
    private final long block;
    private final int vocabulary;

    public Generator(Graph forward, Map<String, Tensor> params, long block, KernelPool pool) { this(forward, params, block, 0, pool); }

    /** @param vocabulary sample only ids below this (the tokenizer's size, when the model's rows are more); 0 for all */
    public Generator(Graph forward, Map<String, Tensor> params, long block, int vocabulary, KernelPool pool) {
        if (forward.inputs().size() != 1 || forward.inputs().getFirst().type().rank() != 2 || forward.inputs().getFirst().type().dtype() != DType.I32
                || forward.outputs().size() != 1 || forward.outputs().getFirst().type().rank() != 3)
            throw new IllegalArgumentException("generation needs a model whose forward maps tokens i32[B, T] to logits f32[B, T, V]; @"
                    + forward.name() + " takes " + forward.inputs().stream().map(o -> o.strAttr("name", "") + ": " + o.type()).toList()
                    + " and gives " + forward.outputs().stream().map(v -> v.type().toString()).toList());
        Op in = forward.inputs().getFirst();
        this.input = in.strAttr("name", "");
        this.exe = CpuExecutable.compile(forward, pool);
        this.params = params;
        this.block = block;
        this.vocabulary = vocabulary;
    }

    @Override public int[] generate(int[] prompt, int count, Sampling sampling, long seed, IntConsumer each) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty; give at least one token");
        int[] out = Arrays.copyOf(prompt, prompt.length + count);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = prompt.length; i < out.length; i++) {
            int from = (int) Math.max(0, i - block);
            int t = i - from;
            try (Arena a = Arena.ofConfined()) {
                Tensor logits = exe.run(a, Map.of(input, TokenDecoder.window(a, out, from, t)), params).getFirst();
                out[i] = sampling.pickLast(logits, vocabulary, rnd);
            }
            each.accept(out[i]);
        }
        return out;
    }

    @Override public void close() { exe.close(); }
}
