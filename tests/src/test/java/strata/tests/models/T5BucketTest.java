package strata.tests.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.tests.ModelFiles;

/** t5.strata's relative position buckets, written in Strata, against the published definition. */
class T5BucketTest {
    /**
     * Hugging Face transformers' T5Attention._relative_position_bucket for one relative position
     * (memory - query), with its float32 arithmetic and truncation to an integer.
     */
    static long reference(long rel, boolean bidirectional, int buckets, int maxDistance) {
        long out = 0;
        int n = buckets;
        if (bidirectional) {
            n /= 2;
            if (rel > 0) out += n;
            rel = Math.abs(rel);
        } else rel = -Math.min(rel, 0);
        int exact = n / 2;
        if (rel < exact) return out + rel;
        float scaled = (float) Math.log((float) rel / exact) / (float) Math.log((double) maxDistance / exact) * (n - exact);
        return out + Math.min(exact + (long) scaled, n - 1);
    }

    @ParameterizedTest(name = "buckets {0}, max distance {1}, bidirectional {2}")
    @CsvSource({"32, 128, true", "32, 128, false", "8, 16, true", "8, 16, false"})
    void bucketsWrittenInStrataMatchHuggingFaceRelativePositionBucket(int buckets, int maxDistance, boolean bidirectional) {
        String text = """
                import t5
                model Buckets {
                  input x: i32[T]
                  forward {
                    n = x.shape[0]
                    rel = arange(n)[none, :] - arange(n)[:, none]
                    return t5_bucket(rel, %s, %d, %d)
                  }
                }
                """.formatted(bidirectional, buckets, maxDistance);
        var b = ModelFiles.buildText(ModelFiles.models().resolve("t5_buckets.strata").toString(), text, null);
        assertFalse(b.diagnostics().hasErrors(), b.rendered());
        int t = 400;
        var in = Map.of("x", RefTensor.zeros(strata.compiler.graph.DType.I32, t));
        List<RefTensor> out = new Interpreter().run(b.graph(), in, Map.of());
        double[] got = out.getFirst().toArray();
        for (int q = 0; q < t; q++)
            for (int k = 0; k < t; k++)
                assertEquals(reference(k - q, bidirectional, buckets, maxDistance), (long) got[q * t + k], "bucket of k - q = " + (k - q));
    }
}
