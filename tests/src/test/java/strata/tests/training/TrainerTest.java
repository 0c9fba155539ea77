package strata.tests.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import strata.compiler.autodiff.Gradients;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.runtime.KernelPool;
import strata.runtime.ParamInit;
import strata.runtime.Tensor;
import strata.runtime.train.Batches;
import strata.runtime.train.Optimizer;
import strata.runtime.train.Schedule;
import strata.runtime.train.Trainer;

/**
 * The compiled training step: its loss and gradients equal the reference interpreter's on the
 * same parameters and batch, and training on a learnable task lowers the loss.
 */
class TrainerTest {
    private static final KernelPool POOL = new KernelPool(2);

    @AfterAll
    static void close() { POOL.close(); }

    /** A small next-token model without attention: embedding, a pre-norm MLP block, tied head. */
    static final String MLP_LM = """
            import prelude
            model MlpLm {
              hyper vocab = 11
              hyper d = 24
              input tokens: i32[B, T]
              wte = Embedding(vocab, d)
              norm = LayerNorm(d)
              ffn = MLP(d, 4 * d)
              forward {
                x = wte(tokens)
                x = x + ffn(norm(x))
                return norm(x) @ wte.weight^T
              }
              loss lm(logits, targets: i32[B, T]) = mean(cross_entropy(logits, targets))
            }
            """;

    /** Batches of a deterministic task: the target is (token * 3 + 1) mod vocab. */
    static Batches task(int b, int t, int vocab) {
        return new Batches() {
            Map<String, Tensor> make(long seed, Arena a) {
                SplittableRandom r = new SplittableRandom(seed);
                Tensor x = Tensor.allocate(a, DType.I32, b, t), y = Tensor.allocate(a, DType.I32, b, t);
                for (int i = 0; i < b * t; i++) {
                    int tok = r.nextInt(vocab);
                    x.set(i, tok);
                    y.set(i, (tok * 3 + 1) % vocab);
                }
                return Map.of("tokens", x, "targets", y);
            }

            @Override public Map<String, Tensor> train(long step, Arena a) { return make(step, a); }

            @Override public Map<String, Tensor> validation(long index, Arena a) { return make(-1 - index, a); }

            @Override public long tokensPerBatch() { return (long) b * t; }
        };
    }

    static Graph training(String text) {
        LossTest.Training t = LossTest.training("mlp_lm.strata", text, null);
        assertTrue(t.result() != null, t.rendered());
        return t.result().graph();
    }

    static Map<String, Tensor> init(Graph g, Arena a) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Op p : g.params()) out.put(p.strAttr("name", ""), ParamInit.of(a, p, 1));
        return out;
    }

    @Test
    void compiledGradientsEqualTheInterpretersOnTheSameBatch() {
        Graph g = training(MLP_LM);
        try (Arena a = Arena.ofConfined();
             Trainer tr = new Trainer(g, n -> true, init(g, a), Optimizer.Settings.adamw(0.9, 0.99, 0.0, 0), new Schedule(Schedule.Decay.CONSTANT, 1e-9, 0, 0, 0), 1, POOL)) {
            Batches data = task(3, 7, 11);
            Map<String, RefTensor> refParams = new HashMap<>();
            tr.parameters().forEach((k, v) -> refParams.put(k, v.toRef()));
            Map<String, RefTensor> refIn = new HashMap<>();
            data.train(0, a).forEach((k, v) -> refIn.put(k, v.toRef()));
            Gradients.Result want = Gradients.append(g, g.outputs().getFirst());
            List<RefTensor> ref = new Interpreter().run(want.graph(), refIn, refParams);

            Trainer.StepResult r = tr.step(0, data, 1);
            assertEquals(ref.getFirst().item(), r.loss(), 1e-4 * Math.abs(ref.getFirst().item()));
            double sq = 0;
            for (int i = 1; i < ref.size(); i++) for (double x : ref.get(i).toArray()) sq += x * x;
            for (var e : want.gradients().entrySet()) {
                RefTensor w = ref.get(e.getValue()), got = tr.layout().view(tr.gradient(), e.getKey()).toRef();
                assertTrue(w.equalsWithin(got, 1e-4, 1e-3), e.getKey() + ": max difference " + w.maxAbsDiff(got));
            }
            assertEquals(Math.sqrt(sq), r.gradNorm(), 1e-3 * Math.sqrt(sq), "global gradient norm");
        }
    }

    @Test
    void trainingOnALearnableTaskLowersTheValidationLoss() {
        Graph g = training(MLP_LM);
        try (Arena a = Arena.ofConfined();
             Trainer tr = new Trainer(g, n -> true, init(g, a), Optimizer.Settings.adamw(0.9, 0.99, 0.01, 1.0), new Schedule(Schedule.Decay.COSINE, 1e-2, 1e-3, 10, 150), 1, POOL)) {
            Batches data = task(8, 16, 11);
            double before = tr.evaluate(data, 4);
            for (int s = 0; s < 150; s++) tr.step(s, data, 1);
            double after = tr.evaluate(data, 4);
            assertTrue(before > 2.0, "an untrained model is near ln(11) = 2.4: " + before);
            assertTrue(after < 0.2, "the task is a fixed map, so it is learnable: " + before + " -> " + after);
        }
    }

    /** The same examples as one batch of 2b rows or as two micro-batches of b rows. */
    static Batches halves(int b, int t, int vocab, boolean whole) {
        Batches full = task(2 * b, t, vocab);
        return new Batches() {
            @Override public Map<String, Tensor> train(long step, Arena a) {
                Map<String, Tensor> all = full.train(whole ? step : step / 2, a);
                if (whole) return all;
                long half = (long) b * t * 4, at = step % 2 == 0 ? 0 : half;
                Map<String, Tensor> out = new HashMap<>();
                all.forEach((k, v) -> out.put(k, new Tensor(v.dtype(), new long[] {b, t}, v.data().asSlice(at, half))));
                return out;
            }

            @Override public Map<String, Tensor> validation(long index, Arena a) { return full.validation(index, a); }

            @Override public long tokensPerBatch() { return (long) (whole ? 2 : 1) * b * t; }
        };
    }

    @Test
    void twoAccumulatedMicroBatchesUpdateAsTheirConcatenationDoes() {
        Graph g = training(MLP_LM);
        try (Arena a = Arena.ofConfined();
             Trainer one = new Trainer(g, n -> true, init(g, a), Optimizer.Settings.adamw(0.9, 0.99, 0.1, 1.0), new Schedule(Schedule.Decay.CONSTANT, 1e-2, 0, 0, 0), 1, POOL);
             Trainer two = new Trainer(g, n -> true, init(g, a), Optimizer.Settings.adamw(0.9, 0.99, 0.1, 1.0), new Schedule(Schedule.Decay.CONSTANT, 1e-2, 0, 0, 0), 2, POOL)) {
            for (int s = 0; s < 3; s++) {
                Trainer.StepResult r1 = one.step(s, halves(3, 7, 11, true), 1), r2 = two.step(s, halves(3, 7, 11, false), 2);
                assertEquals(r1.loss(), r2.loss(), 1e-5 * Math.abs(r1.loss()));
                assertEquals(r1.gradNorm(), r2.gradNorm(), 1e-4 * r1.gradNorm());
            }
            for (var e : one.parameters().entrySet()) {
                RefTensor x = e.getValue().toRef(), y = two.parameters().get(e.getKey()).toRef();
                assertTrue(x.equalsWithin(y, 1e-5, 1e-4), e.getKey() + ": max difference " + x.maxAbsDiff(y));
            }
        }
    }

    @Test
    void frozenParametersStayAndTheirGradientsAreNotComputed() {
        Graph g = training(MLP_LM);
        try (Arena a = Arena.ofConfined();
             Trainer all = new Trainer(g, n -> true, init(g, a), Optimizer.Settings.adamw(0.9, 0.99, 0.1, 1.0), new Schedule(Schedule.Decay.CONSTANT, 1e-2, 0, 0, 0), 1, POOL);
             Trainer top = new Trainer(g, n -> !n.startsWith("wte.") && !n.startsWith("ffn.up."), init(g, a), Optimizer.Settings.adamw(0.9, 0.99, 0.1, 1.0),
                     new Schedule(Schedule.Decay.CONSTANT, 1e-2, 0, 0, 0), 1, POOL)) {
            Map<String, Tensor> before = new HashMap<>();
            top.parameters().forEach((k, v) -> before.put(k, Tensor.of(a, v.toRef())));
            for (int s = 0; s < 3; s++) top.step(s, task(3, 7, 11), 1);
            for (var e : top.parameters().entrySet()) {
                boolean frozen = e.getKey().startsWith("wte.") || e.getKey().startsWith("ffn.up.");
                double diff = before.get(e.getKey()).toRef().maxAbsDiff(e.getValue().toRef());
                assertTrue(frozen ? diff == 0 : diff > 0, e.getKey() + (frozen ? " is frozen but moved " : " did not move ") + diff);
            }
            assertTrue(top.kernelCount() < all.kernelCount(), "freezing drops backward kernels: " + top.kernelCount() + " vs " + all.kernelCount());
        }
    }
}
