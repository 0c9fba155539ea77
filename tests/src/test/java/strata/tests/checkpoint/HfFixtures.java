package strata.tests.checkpoint;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.runtime.Tensor;
import strata.tests.ModelFiles;

/** Weights in Hugging Face's published layouts, written out by hand from transformers' modeling files, and Strata models to load them into. */
final class HfFixtures {
    private HfFixtures() {}

    /** A tensor of normal(0, std) values. */
    static Tensor normal(Arena a, SplittableRandom rnd, double std, long... shape) {
        Tensor t = Tensor.allocate(a, DType.F32, shape);
        for (long i = 0; i < t.numel(); i++) t.set(i, std * rnd.nextGaussian());
        return t;
    }

    /** A tensor whose every element is raw random bits, NaN payloads included, so that only a pure copy keeps them. */
    static Tensor bits(Arena a, SplittableRandom rnd, long... shape) {
        Tensor t = Tensor.allocate(a, DType.F32, shape);
        for (long i = 0; i < t.numel(); i++) t.data().setAtIndex(ValueLayout.JAVA_INT, i, rnd.nextInt());
        return t;
    }

    /**
     * GPT2Model's state dict (transformers modeling_gpt2.py): Conv1D weights as [in, out], c_attn
     * holding q, k and v side by side, LayerNorm gains near 1.
     */
    static Map<String, Tensor> gpt2(Arena a, long seed, int vocab, int block, int d, int layers) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("wte.weight", normal(a, rnd, 0.5, vocab, d));
        m.put("wpe.weight", normal(a, rnd, 0.2, block, d));
        for (int i = 0; i < layers; i++) {
            String h = "h." + i + ".";
            m.put(h + "ln_1.weight", gain(a, rnd, d));
            m.put(h + "ln_1.bias", normal(a, rnd, 0.1, d));
            m.put(h + "attn.c_attn.weight", normal(a, rnd, 0.3, d, 3L * d));
            m.put(h + "attn.c_attn.bias", normal(a, rnd, 0.1, 3L * d));
            m.put(h + "attn.c_proj.weight", normal(a, rnd, 0.2, d, d));
            m.put(h + "attn.c_proj.bias", normal(a, rnd, 0.1, d));
            m.put(h + "ln_2.weight", gain(a, rnd, d));
            m.put(h + "ln_2.bias", normal(a, rnd, 0.1, d));
            m.put(h + "mlp.c_fc.weight", normal(a, rnd, 0.2, d, 4L * d));
            m.put(h + "mlp.c_fc.bias", normal(a, rnd, 0.1, 4L * d));
            m.put(h + "mlp.c_proj.weight", normal(a, rnd, 0.1, 4L * d, d));
            m.put(h + "mlp.c_proj.bias", normal(a, rnd, 0.1, d));
        }
        m.put("ln_f.weight", gain(a, rnd, d));
        m.put("ln_f.bias", normal(a, rnd, 0.1, d));
        return m;
    }

    private static Tensor gain(Arena a, SplittableRandom rnd, int d) {
        Tensor t = normal(a, rnd, 0.1, d);
        for (long i = 0; i < d; i++) t.set(i, 1 + t.get(i));
        return t;
    }

    /** A model's parameters: name to shape, in the model's order. */
    static Map<String, long[]> shapes(Graph g) {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (Op p : g.params()) m.putIfAbsent(p.strAttr("name", ""), p.type().concreteShape(Map.of()));
        return m;
    }

    /** Random bits for every parameter of a model. */
    static Map<String, Tensor> randomParams(Arena a, Graph g, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Tensor> m = new LinkedHashMap<>();
        shapes(g).forEach((n, s) -> m.put(n, bits(a, rnd, s)));
        return m;
    }

    static Graph model(String file, String preset, Map<String, String> sets) {
        var b = ModelFiles.build(ModelFiles.models().resolve(file), preset, sets);
        if (b.diagnostics().hasErrors()) throw new AssertionError(b.rendered());
        return b.graph();
    }

    /** Element [r, c] of a matrix. */
    static float at(Tensor t, long r, long c) { return (float) t.get(r * t.shape()[1] + c); }
}
