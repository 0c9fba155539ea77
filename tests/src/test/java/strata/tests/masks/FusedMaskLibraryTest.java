package strata.tests.masks;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.interp.RefTensor;
import strata.runtime.KernelPool;
import strata.tests.ModelFiles;
import strata.tests.RandomTensors;

/**
 * The fused attention kernel with each mask (and score modifier) of the library equals the
 * reference interpreter on random lengths up to 300, primes among them, and random data.
 */
class FusedMaskLibraryTest {
    private static final KernelPool POOL = new KernelPool(2);

    @AfterAll
    static void close() { POOL.close(); }

    /** A mask or score argument of attention, as written in a model. */
    private static final List<String> MASKS = List.of(
            "mask = causal", "mask = bidirectional", "mask = padding(len)", "mask = prefix_lm(prefix)",
            "mask = sliding(5, sinks = 2)", "mask = document(seg)", "mask = visible(m)", "mask = cross_padding(len)",
            "mask = same_document(seg)", "mask = xlnet_content(rank)", "mask = xlnet_query(rank)", "mask = kbert(branch, anchor)",
            "mask = glm_blank(prefix)", "mask = id_tokens(3)", "mask = causal and padding(len)", "mask = not causal or padding(len)",
            "mask = causal, score = alibi(slope)", "mask = causal, score = softcap(2.0)",
            // combinations whose key loops the analysis splits: two ranges, partial and full parts, complements
            "mask = sliding(17, sinks = 3) and padding(len)", "mask = prefix_lm(prefix) and padding(len)",
            "mask = not sliding(4, sinks = 1)", "mask = document(seg) and sliding(9, sinks = 1)",
            "mask = glm_blank(prefix) or sliding(3)", "mask = sliding(1, sinks = 7)");

    private static final List<Integer> LENGTHS = List.of(1, 2, 3, 7, 13, 31, 61, 97, 127, 131, 173, 251, 257, 293, 300);

    static Graph graph(String mask, int h, int d) {
        String text = "import masks\nmodel A {\n"
                + "  input q: f32[B, " + h + ", T, " + d + "]\n  input k: f32[B, " + h + ", T, " + d + "]\n  input v: f32[B, " + h + ", T, " + d + "]\n"
                + "  input len: i32[B]\n  input prefix: i32[B]\n  input seg: i32[B, T]\n  input rank: i32[B, T]\n"
                + "  input branch: i32[B, T]\n  input anchor: i32[B, T]\n  input m: bool[B, T, T]\n  input slope: f32[" + h + "]\n"
                + "  forward { return attention(q, k, v, " + mask + ", empty = zeros) }\n}\n";
        var b = ModelFiles.buildText("library.strata", text, null);
        assertFalse(b.diagnostics().hasErrors(), b.rendered());
        return b.graph();
    }

    @Test
    void fusedAttentionEqualsTheInterpreterForEveryLibraryMask() {
        // every mask at two lengths: one from the list (primes, edges), one at random in 1..300
        // (drawn here rather than by QuickTheories, whose first examples are its smallest values)
        Random pick = new Random(20261125);
        for (int mi = 0; mi < MASKS.size(); mi++) {
            check(mi, LENGTHS.get(pick.nextInt(LENGTHS.size())), 1 + pick.nextInt(2));
            check(mi, 1 + pick.nextInt(300), 1 + pick.nextInt(2));
        }
    }

    private static void check(int mi, int t, int batch) {
        {
            int h = 2, d = 4;
            Graph g = graph(MASKS.get(mi), h, d);
            Random r = new Random(t * 1_000_003L + mi * 31L + batch);
            Map<String, RefTensor> in = new HashMap<>();
            for (String n : List.of("q", "k", "v")) in.put(n, RandomTensors.gaussian(r, 1, batch, h, t, d));
            in.put("len", RandomTensors.ints(r, 0, t + 1, batch));
            in.put("prefix", RandomTensors.ints(r, 0, t + 1, batch));
            in.put("seg", RandomTensors.ints(r, 0, 3, batch, t));
            in.put("branch", RandomTensors.ints(r, 0, 3, batch, t));
            in.put("anchor", RandomTensors.ints(r, 0, t, batch, t));
            in.put("rank", permutations(r, batch, t));
            double[] bits = new double[batch * t * t];
            for (int i = 0; i < bits.length; i++) bits[i] = r.nextInt(2);
            in.put("m", RefTensor.of(DType.BOOL, new long[] {batch, t, t}, bits));
            in.put("slope", RefTensor.of(DType.F32, new long[] {h}, 0.5, 0.25));
            try {
                strata.tests.backend.Compiled.assertMatches(g, in, Map.of(), 2e-5, 1e-4, POOL);
            } catch (AssertionError e) {
                throw new AssertionError(MASKS.get(mi) + " at T = " + t + ", B = " + batch + ": " + e.getMessage(), e);
            }
        }
    }



    /** Each row a random permutation of 0..T-1 (XLNet's factorization order ranks). */
    private static RefTensor permutations(Random r, int batch, int t) {
        double[] v = new double[batch * t];
        for (int b = 0; b < batch; b++) {
            int[] p = new int[t];
            for (int i = 0; i < t; i++) p[i] = i;
            for (int i = t - 1; i > 0; i--) {
                int j = r.nextInt(i + 1), x = p[i];
                p[i] = p[j];
                p[j] = x;
            }
            for (int i = 0; i < t; i++) v[b * t + i] = p[i];
        }
        return RefTensor.of(DType.I32, new long[] {batch, t}, v);
    }
}
