package strata.tests.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import strata.compiler.autodiff.Gradients;
import strata.compiler.graph.Graph;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.runtime.KernelPool;
import strata.runtime.data.BundledData;
import strata.runtime.data.TextDataset;
import strata.runtime.data.objectives.PretrainingBatches;
import strata.runtime.data.objectives.SpanCorruption;
import strata.runtime.data.objectives.Vocabulary;
import strata.runtime.train.Batches;
import strata.runtime.train.Optimizer;
import strata.runtime.train.Schedule;
import strata.runtime.train.Trainer;

/**
 * The compiled training step differentiates through the tensors an attention's score region
 * reads: for T5 tiny on a span-corruption batch, every gradient the Trainer computes (the
 * relative-bias tables included, which only the lifted score region reaches) equals the
 * reference interpreter's on the same parameters and batch.
 */
class CapturedGradientTrainingTest {
    private static final KernelPool POOL = new KernelPool(2);

    @AfterAll
    static void close() { POOL.close(); }

    /**
     * Learned ALiBi slopes (the prelude's {@code alibi}, Press et al., 2022) in one causal layer and
     * a learned per-head temperature s * temp[h] in a second, grouped-query layer (2 query heads
     * per key head); the temperature's derivative reads s, which the lifted region recomputes.
     */
    static final String LEARNED_SCORES = """
            import prelude
            score temperature(temp: f32[H])(h, q, k, s) = s * temp[h]
            module PerHead(heads: int) {
              param weight: f32[heads] ~ normal(0.5)
            }
            model LearnedScores {
              hyper vocab = 11
              hyper d = 16
              hyper heads = 4
              input tokens: i32[B, T]
              wte = Embedding(vocab, d)
              slopes = PerHead(heads)
              temp = PerHead(heads)
              wq = Linear(d, d, bias = false)
              wk = Linear(d, d / 2, bias = false)
              wv = Linear(d, d / 2, bias = false)
              forward {
                x = wte(tokens)
                a = attention(split_heads(x, heads), split_heads(x, heads), split_heads(x, heads), mask = causal, score = alibi(slopes.weight))
                x = x + merge_heads(a)
                g = attention(split_heads(wq(x), heads), split_heads(wk(x), heads / 2), split_heads(wv(x), heads / 2), mask = causal, score = temperature(temp.weight))
                return (x + merge_heads(g)) @ wte.weight^T
              }
              loss lm(logits, targets: i32[B, T]) = mean(cross_entropy(logits, targets))
            }
            """;

    @Test
    void compiledLearnedSlopeAndTemperatureGradientsEqualTheInterpreters() {
        LossTest.Training t = LossTest.training("learned_scores.strata", LEARNED_SCORES, null);
        assertTrue(t.result() != null, t.rendered());
        Graph g = t.result().graph();
        assertGradientsEqual(g, TrainerTest.task(3, 7, 11), List.of("slopes.weight", "temp.weight"));
    }

    @Test
    void compiledT5GradientsThroughTheBiasTablesEqualTheInterpreters() throws Exception {
        TextDataset data = TextDataset.load(BundledData.file("tinyshakespeare.txt"));
        Vocabulary v = Vocabulary.appended(data.tokenizer().vocabSize(), List.of(Vocabulary.PAD, Vocabulary.EOS), 16);
        Graph g = ObjectiveTrainingTest.training("t5.strata", Map.of("vocab", "" + v.size()));
        Batches batches = PretrainingBatches.t5(data.train(), data.val(), SpanCorruption.t5(v), 3, 24, 1);
        assertGradientsEqual(g, batches, List.of("enc_bias.weight", "dec_bias.weight"));
    }

    /** One compiled step's loss and gradients equal the interpreter's; the captured tensors' gradients are not all zero. */
    static void assertGradientsEqual(Graph g, Batches batches, List<String> captured) {
        try (Arena a = Arena.ofConfined();
             Trainer tr = new Trainer(g, n -> true, TrainerTest.init(g, a), Optimizer.Settings.adamw(0.9, 0.99, 0.0, 0),
                     new Schedule(Schedule.Decay.CONSTANT, 1e-9, 0, 0, 0), 1, POOL)) {
            Map<String, RefTensor> refParams = new HashMap<>();
            tr.parameters().forEach((k, x) -> refParams.put(k, x.toRef()));
            Map<String, RefTensor> refIn = new HashMap<>();
            batches.train(0, a).forEach((k, x) -> refIn.put(k, x.toRef()));
            Gradients.Result want = Gradients.append(g, g.outputs().getFirst());
            List<RefTensor> ref = new Interpreter().run(want.graph(), refIn, refParams);

            Trainer.StepResult r = tr.step(0, batches, 1);
            assertEquals(ref.getFirst().item(), r.loss(), 1e-4 * Math.abs(ref.getFirst().item()));
            for (String table : captured) {
                double norm = 0;
                for (double x : ref.get(want.gradients().get(table)).toArray()) norm += x * x;
                assertTrue(norm > 0, table + " gets a gradient");
            }
            for (var e : want.gradients().entrySet()) {
                RefTensor w = ref.get(e.getValue()), got = tr.layout().view(tr.gradient(), e.getKey()).toRef();
                assertTrue(w.equalsWithin(got, 1e-4, 1e-3), e.getKey() + ": max difference " + w.maxAbsDiff(got));
            }
        }
    }
}
