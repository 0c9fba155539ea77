package strata.tests.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.Graph;
import strata.compiler.interp.RefTensor;
import strata.runtime.KernelPool;
import strata.runtime.Tensor;
import strata.runtime.generate.Generator;
import strata.runtime.generate.KvGenerator;
import strata.runtime.generate.Sampling;
import strata.runtime.generate.TokenDecoder;
import strata.tests.ModelFiles;

/**
 * The cached generator chooses the tokens full recomputation chooses: greedy and sampled, for
 * GPT-2 (learned positions) and LLaMA (rotary, GQA), past the model's block (where the window
 * slides and the prompt is run again). A model with a non-causal mask falls back to full
 * recomputation, saying why.
 */
class KvGeneratorTest {
    private static final KernelPool POOL = new KernelPool(2);

    @AfterAll static void close() { POOL.close(); }

    @Test
    void cachedGenerationChoosesTheSameTokensAsFullRecompute() {
        for (String model : List.of("gpt2.strata", "llama.strata")) {
            Graph g = KvDecodeTest.forward(model);
            try (Arena a = Arena.ofConfined()) {
                Map<String, Tensor> params = new HashMap<>();
                for (Map.Entry<String, RefTensor> e : ModelFiles.randomParams(g, 21).entrySet()) params.put(e.getKey(), Tensor.of(a, e.getValue()));
                int[] prompt = {3, 14, 15, 9, 2};
                // block 16 (the tiny preset): 20 new tokens run past it, so the window slides
                for (Sampling s : List.of(Sampling.greedy(), new Sampling(1.0, 0, 1.0))) {
                    int[] want, got;
                    List<Integer> streamed = new ArrayList<>();
                    try (Generator full = new Generator(g, params, 16, POOL)) {
                        want = full.generate(prompt, 20, s, 99, x -> {});
                    }
                    try (KvGenerator kv = new KvGenerator(g, params, 16, POOL)) {
                        got = kv.generate(prompt, 20, s, 99, streamed::add);
                    }
                    assertArrayEquals(want, got, model + " with " + s);
                    assertArrayEquals(java.util.Arrays.copyOfRange(want, prompt.length, want.length), streamed.stream().mapToInt(Integer::intValue).toArray());
                }
            }
        }
    }

    @Test
    void aModelWithANonCausalMaskFallsBackToFullRecomputeSayingWhy() {
        var b = ModelFiles.buildText("bidi.strata", """
                import gpt2
                model Bidi extends GPT2 {
                  attn = SelfAttention(d, heads, mask = none)
                }
                """, "tiny");
        Graph g = strata.compiler.graph.passes.PassManager.parse("default").run(b.graph());
        try (Arena a = Arena.ofConfined()) {
            Map<String, Tensor> params = new HashMap<>();
            for (Map.Entry<String, RefTensor> e : ModelFiles.randomParams(g, 1).entrySet()) params.put(e.getKey(), Tensor.of(a, e.getValue()));
            List<String> why = new ArrayList<>();
            try (TokenDecoder d = TokenDecoder.of(g, params, 16, POOL, true, why::add)) {
                assertInstanceOf(Generator.class, d);
                assertTrue(why.size() == 1 && why.getFirst().contains("has no mask, so query 0 sees key 1 (k > q)"), why.toString());
                assertTrue(d.generate(new int[] {1, 2}, 3, Sampling.greedy(), 0, x -> {}).length == 5);
            }
        }
    }
}
