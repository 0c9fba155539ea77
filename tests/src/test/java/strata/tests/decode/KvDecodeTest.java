package strata.tests.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import strata.compiler.decode.DecodeProgram;
import strata.compiler.decode.NotDecodable;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.graph.passes.PassManager;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.runtime.CpuExecutable;
import strata.runtime.KernelPool;
import strata.runtime.Tensor;
import strata.tests.ModelFiles;
import strata.tests.RandomTensors;

/**
 * Decoding with a KV cache computes what the full forward computes: the prompt is run once
 * (P = 0, N = prompt length), then one token at a time with the caches fed back, and the logits
 * of every position equal the full forward's at that position. Checked in the reference
 * interpreter (to 1e-9: both compute in double, the same sums in the same order up to the
 * softmax's) and compiled (the compiled decode program against the interpreted full forward, to
 * 1e-4 absolute and relative, as the compiled model tests), for GPT-2 (learned positions), LLaMA
 * (rotary positions, grouped-query attention) and a sliding-window LLaMA; and models whose masks
 * are not causal are refused with the counterexample.
 */
class KvDecodeTest {
    private static final KernelPool POOL = new KernelPool(2);

    @AfterAll static void close() { POOL.close(); }

    static final String SLIDING = """
            import llama
            model SlidingLlama extends Llama {
              preset tiny { vocab = 64; block = 16; layers = 2; heads = 4; kv_heads = 2; d = 32 }
              attn = SelfAttention(d, heads, kv_heads = kv_heads, rope = Rotary(base = rope_base), bias = false, mask = sliding(3))
            }
            """;

    static Graph forward(String file) {
        var b = file.equals("sliding") ? ModelFiles.buildText("sliding.strata", SLIDING, "tiny")
                : ModelFiles.build(ModelFiles.models().resolve(file), "tiny", Map.of());
        assertTrue(b.result() != null, b.rendered());
        return PassManager.parse("default").run(b.graph());
    }

    /** Decodes {@code tokens} [B, T] with the prompt {@code prompt} tokens long, in the interpreter; the logits of every position [B, T, V]. */
    static RefTensor decodeInterpreted(DecodeProgram.Result d, RefTensor tokens, int prompt, Map<String, RefTensor> params) {
        int batch = (int) tokens.dim(0), t = (int) tokens.dim(1);
        Map<String, RefTensor> caches = new HashMap<>();
        for (DecodeProgram.Layer l : d.layers()) {
            caches.put(l.keyInput(), RefTensor.zeros(DType.F32, batch, l.cacheType().dim(1).value(), 0, l.cacheType().dim(3).value()));
            caches.put(l.valueInput(), RefTensor.zeros(DType.F32, batch, l.cacheType().dim(1).value(), 0, l.cacheType().dim(3).value()));
        }
        List<RefTensor> pieces = new ArrayList<>();
        for (int from = 0, n = prompt; from < t; from += n, n = 1) {
            Map<String, RefTensor> in = new HashMap<>(caches);
            in.put(d.tokensInput(), columns(tokens, from, from + n));
            List<RefTensor> out = Interpreter.inference().run(d.graph(), in, params);
            pieces.add(out.getFirst());
            for (DecodeProgram.Layer l : d.layers()) {
                caches.put(l.keyInput(), out.get(l.keyOutput()));
                caches.put(l.valueInput(), out.get(l.valueOutput()));
            }
        }
        return joinColumns(pieces);
    }

    /** The same with the decode program compiled, caches fed back as the tensors it returned. */
    static RefTensor decodeCompiled(CpuExecutable exe, DecodeProgram.Result d, RefTensor tokens, int prompt, Map<String, RefTensor> params) {
        int batch = (int) tokens.dim(0), t = (int) tokens.dim(1);
        try (Arena a = Arena.ofConfined()) {
            Map<String, Tensor> p = new HashMap<>();
            params.forEach((k, v) -> p.put(k, Tensor.of(a, v)));
            Map<String, Tensor> caches = new HashMap<>();
            for (DecodeProgram.Layer l : d.layers()) {
                long[] shape = {batch, l.cacheType().dim(1).value(), 0, l.cacheType().dim(3).value()};
                caches.put(l.keyInput(), Tensor.allocate(a, DType.F32, shape));
                caches.put(l.valueInput(), Tensor.allocate(a, DType.F32, shape));
            }
            List<RefTensor> pieces = new ArrayList<>();
            for (int from = 0, n = prompt; from < t; from += n, n = 1) {
                Map<String, Tensor> in = new HashMap<>(caches);
                in.put(d.tokensInput(), Tensor.of(a, columns(tokens, from, from + n)));
                List<Tensor> out = exe.run(a, in, p);
                pieces.add(out.getFirst().toRef());
                for (DecodeProgram.Layer l : d.layers()) {
                    caches.put(l.keyInput(), out.get(l.keyOutput()));
                    caches.put(l.valueInput(), out.get(l.valueOutput()));
                }
            }
            return joinColumns(pieces);
        }
    }

    @Test
    void cachedDecodingMatchesTheFullForwardInTheInterpreter() {
        for (String model : List.of("gpt2.strata", "llama.strata", "sliding")) {
            Graph g = forward(model);
            DecodeProgram.Result d = DecodeProgram.build(g);
            Map<String, RefTensor> params = ModelFiles.randomParams(g, 7);
            RefTensor tokens = RandomTensors.ints(new Random(3), 0, 64, 2, 9);
            RefTensor want = Interpreter.inference().run(g, Map.of("tokens", tokens), params).getFirst();
            for (int prompt : new int[] {1, 4, 9}) {
                RefTensor got = decodeInterpreted(d, tokens, prompt, params);
                assertTrue(got.equalsWithin(want, 1e-9, 1e-9), model + ", prompt " + prompt + ": max |diff| " + got.maxAbsDiff(want));
            }
        }
    }

    @Test
    void compiledCachedDecodingMatchesTheInterpretedFullForward() {
        for (String model : List.of("gpt2.strata", "llama.strata", "sliding")) {
            Graph g = forward(model);
            DecodeProgram.Result d = DecodeProgram.build(g);
            Map<String, RefTensor> params = ModelFiles.randomParams(g, 11);
            RefTensor tokens = RandomTensors.ints(new Random(5), 0, 64, 2, 10);
            RefTensor want = Interpreter.inference().run(g, Map.of("tokens", tokens), params).getFirst();
            try (CpuExecutable exe = CpuExecutable.compile(d.graph(), POOL)) {
                for (int prompt : new int[] {1, 3, 10}) {
                    RefTensor got = decodeCompiled(exe, d, tokens, prompt, params);
                    assertTrue(got.equalsWithin(want, 1e-4, 1e-4), model + ", prompt " + prompt + ": max |diff| " + got.maxAbsDiff(want));
                }
            }
        }
    }

    /** For random prompts, prompt lengths and continuations, cached decoding gives the full forward's logits at every position. */
    @Test
    void cachedDecodingEqualsFullRecomputeOnRandomPrompts() {
        Map<String, Graph> graphs = new HashMap<>();
        Map<String, DecodeProgram.Result> programs = new HashMap<>();
        List<String> models = List.of("gpt2.strata", "llama.strata", "sliding");
        for (String m : models) {
            graphs.put(m, forward(m));
            programs.put(m, DecodeProgram.build(graphs.get(m)));
        }
        qt().withExamples(25).forAll(integers().between(0, models.size() - 1), integers().between(1, 8), integers().between(0, 6), longs().between(0, 1 << 20))
                .checkAssert((which, prompt, extra, seed) -> {
                    String m = models.get(which);
                    Graph g = graphs.get(m);
                    Map<String, RefTensor> params = ModelFiles.randomParams(g, seed);
                    RefTensor tokens = RandomTensors.ints(new Random(seed), 0, 64, 1, prompt + extra);
                    RefTensor want = Interpreter.inference().run(g, Map.of("tokens", tokens), params).getFirst();
                    RefTensor got = decodeInterpreted(programs.get(m), tokens, prompt, params);
                    assertTrue(got.equalsWithin(want, 1e-9, 1e-9), m + ": max |diff| " + got.maxAbsDiff(want));
                });
    }

    @Test
    void glmsPrefixLmMaskIsRefusedWithItsCounterexample() {
        NotDecodable e = assertThrows(NotDecodable.class, () -> DecodeProgram.build(forward("glm.strata")));
        assertEquals("cannot decode @glm-tiny with a KV cache: its mask `prefix_lm` (k <= q or k < prefix[b]) in attention 0 (%"
                + e.getMessage().replaceAll("(?s).*\\(%(\\d+)\\).*", "$1")
                + ") lets query 0 see key 1 (k > q) at T = 2 when prefix = [2], so a cached key would change with later tokens", e.getMessage());
    }

    @Test
    void bertsPaddingMaskIsRefusedWithItsCounterexample() {
        NotDecodable e = assertThrows(NotDecodable.class, () -> DecodeProgram.build(forward("bert.strata")));
        assertTrue(e.getMessage().contains("its mask `padding` (k < len[b])") && e.getMessage().contains("lets query 0 see key 1 (k > q)"), e.getMessage());
    }

    @Test
    void anAttentionWithoutAMaskIsRefused() {
        var b = ModelFiles.buildText("bidi.strata", """
                import gpt2
                model Bidi extends GPT2 {
                  attn = SelfAttention(d, heads, mask = none)
                }
                """, "tiny");
        assertTrue(b.result() != null, b.rendered());
        Graph g = PassManager.parse("default").run(b.graph());
        NotDecodable e = assertThrows(NotDecodable.class, () -> DecodeProgram.build(g));
        assertTrue(e.getMessage().contains("has no mask, so query 0 sees key 1 (k > q)"), e.getMessage());
        assertTrue(DecodeProgram.refusal(g).isPresent());
        assertTrue(DecodeProgram.refusal(forward("gpt2.strata")).isEmpty());
    }

    @Test
    void aModelWithoutAttentionHasNothingToCacheAndSaysSo() {
        var b = ModelFiles.buildText("mlp_lm.strata", """
                import prelude
                model MlpLm {
                  input tokens: i32[B, T]
                  wte = Embedding(16, 8)
                  ffn = MLP(8, 16)
                  forward { return ffn(wte(tokens)) @ wte.weight^T }
                }
                """, null);
        assertTrue(b.result() != null, b.rendered());
        Graph g = PassManager.parse("default").run(b.graph());
        NotDecodable e = assertThrows(NotDecodable.class, () -> DecodeProgram.build(g));
        assertTrue(e.getMessage().contains("has no attention, so there are no keys and values to cache"), e.getMessage());
    }

    private static RefTensor columns(RefTensor x, int from, int to) {
        int b = (int) x.dim(0), t = (int) x.dim(1);
        double[] out = new double[b * (to - from)];
        for (int i = 0; i < b; i++)
            for (int j = from; j < to; j++) out[i * (to - from) + j - from] = x.at(i * t + j);
        return RefTensor.of(x.dtype(), new long[] {b, to - from}, out);
    }

    // pieces [B, n_i, V] joined along axis 1
    private static RefTensor joinColumns(List<RefTensor> pieces) {
        int b = (int) pieces.getFirst().dim(0), v = (int) pieces.getFirst().dim(2), t = 0;
        for (RefTensor p : pieces) t += (int) p.dim(1);
        double[] out = new double[b * t * v];
        int at = 0;
        for (RefTensor p : pieces) {
            int n = (int) p.dim(1);
            for (int i = 0; i < b; i++)
                for (int j = 0; j < n; j++)
                    for (int c = 0; c < v; c++) out[(i * t + at + j) * v + c] = p.at((i * n + j) * v + c);
            at += n;
        }
        return RefTensor.of(pieces.getFirst().dtype(), new long[] {b, t, v}, out);
    }
}
