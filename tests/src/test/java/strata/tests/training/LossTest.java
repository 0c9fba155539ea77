package strata.tests.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import strata.compiler.front.Elaborator;
import strata.compiler.front.Val;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.grammar.Diagnostics;
import strata.grammar.DiagnosticRenderer;
import strata.grammar.ProgramLoader;
import strata.grammar.SourceFiles;
import strata.tests.ModelFiles;

/**
 * A model's {@code loss} gives its training graph: the forward, then the loss, whose parameters
 * past the forward's results are training inputs. The loss value is checked against a closed form
 * computed from the inference graph's logits.
 */
class LossTest {
    record Training(Elaborator.Result result, String rendered) {}

    static Training training(String name, String text, String preset) {
        Diagnostics d = new Diagnostics();
        SourceFiles src = new SourceFiles();
        var p = new ProgramLoader(d, src).loadText(name, text);
        Elaborator.Result r = d.hasErrors() ? null : new Elaborator(p, d).elaborateTraining(null, preset, Map.of(), null);
        StringBuilder sb = new StringBuilder();
        for (var x : d.all()) sb.append(new DiagnosticRenderer(src).render(x));
        return new Training(d.hasErrors() ? null : r, sb.toString());
    }

    static Training gpt2(String preset) throws Exception {
        return training(ModelFiles.models().resolve("gpt2.strata").toString(),
                java.nio.file.Files.readString(ModelFiles.models().resolve("gpt2.strata")), preset);
    }

    @Test
    void causalLmLossIsTheMeanNextTokenCrossEntropyOfTheForwardLogits() throws Exception {
        Training t = gpt2("tiny");
        assertTrue(t.result() != null, t.rendered());
        Graph train = t.result().graph();
        assertEquals(1, train.outputs().size());
        assertEquals(0, train.outputs().getFirst().type().rank());
        assertEquals(List.of("tokens", "targets"), train.inputs().stream().map(o -> o.strAttr("name", "")).toList());

        Graph fwd = ModelFiles.build(ModelFiles.models().resolve("gpt2.strata"), "tiny", Map.of()).graph();
        Map<String, RefTensor> params = ModelFiles.randomParams(fwd, 3);
        int b = 2, tt = 5, vocab = 64;
        java.util.Random rnd = new java.util.Random(7);
        double[] tok = new double[b * tt], tgt = new double[b * tt];
        for (int i = 0; i < tok.length; i++) { tok[i] = rnd.nextInt(vocab); tgt[i] = rnd.nextInt(vocab); }
        Map<String, RefTensor> in = new HashMap<>();
        in.put("tokens", RefTensor.of(DType.I32, new long[] {b, tt}, tok));
        RefTensor logits = new Interpreter().run(fwd, in, params).getFirst();
        double want = 0;
        for (int i = 0; i < b * tt; i++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int v = 0; v < vocab; v++) max = Math.max(max, logits.at(i * vocab + v));
            for (int v = 0; v < vocab; v++) sum += Math.exp(logits.at(i * vocab + v) - max);
            want += Math.log(sum) + max - logits.at(i * vocab + (int) tgt[i]);
        }
        want /= b * tt;
        in.put("targets", RefTensor.of(DType.I32, new long[] {b, tt}, tgt));
        double got = new Interpreter().run(train, in, params).getFirst().item();
        assertEquals(want, got, 1e-9 * Math.max(1, Math.abs(want)));
    }

    @Test
    void presetTrainBlockGivesTheRecipeEvaluatedAmongTheHyperparameters() throws Exception {
        Training t = gpt2("nanogpt-cpu");
        assertTrue(t.result() != null, t.rendered());
        var recipe = t.result().training();
        assertEquals(new Val.Int(2000), recipe.get("steps").value());
        assertEquals(new Val.Float(1e-3), recipe.get("lr").value());
        assertEquals(new Val.Str("tinyshakespeare.txt"), recipe.get("data").value());
        assertEquals(65L, ((Val.Int) t.result().hypers().get("vocab")).value());
    }

    @Test
    void aModelWithoutALossCannotBeTrained() {
        Training t = training("nolos.strata", """
                model M {
                  input x: f32[B, 4]
                  forward { return x }
                }
                """, null);
        assertFalse(t.rendered().isEmpty());
        assertTrue(t.rendered().contains("nolos.strata:1:1"), t.rendered());
        assertTrue(t.rendered().contains("has no loss"), t.rendered());
    }

    @Test
    void aTrainingInputNeedsATensorType() {
        Training t = training("untyped.strata", """
                model M {
                  input x: f32[B, 4]
                  forward { return x }
                  loss l(y, target) = mean(y)
                }
                """, null);
        assertTrue(t.rendered().contains("untyped.strata:4:13"), t.rendered());
        assertTrue(t.rendered().contains("training input and needs a tensor type"), t.rendered());
    }

    @Test
    void aLossMustBeAScalar() {
        Training t = training("vector.strata", """
                model M {
                  input x: f32[B, 4]
                  forward { return x }
                  loss l(y) = sum(y, axis = 1)
                }
                """, null);
        assertTrue(t.rendered().contains("a loss must give a scalar f32"), t.rendered());
    }

    @Test
    void meanOverSymbolicSizesDividesByTheRunTimeCount() {
        Training t = training("mean.strata", """
                model M {
                  input x: f32[B, T]
                  forward { return x }
                  loss l(y) = mean(y)
                }
                """, null);
        assertTrue(t.result() != null, t.rendered());
        RefTensor x = RefTensor.of(new long[] {2, 3}, 1, 2, 3, 4, 5, 9);
        double got = new Interpreter().run(t.result().graph(), Map.of("x", x), Map.of()).getFirst().item();
        assertEquals(4.0, got, 1e-12);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"gpt2.strata", "llama.strata", "bert_pretraining.strata",
            "albert_pretraining.strata", "t5.strata", "glm.strata"})
    void everyPretrainingModelHasAScalarLossThatTheInterpreterEvaluates(String file) throws Exception {
        Training t = training(ModelFiles.models().resolve(file).toString(), java.nio.file.Files.readString(ModelFiles.models().resolve(file)), "tiny");
        assertTrue(t.result() != null, t.rendered());
        Graph g = t.result().graph();
        Map<String, RefTensor> in = ModelFiles.randomInputs(g, strata.tests.models.TinyForwardTest.SYMBOLS, LossTest::range, 1);
        double loss = new Interpreter().run(g, in, ModelFiles.randomParams(g, 2)).getFirst().item();
        assertTrue(Double.isFinite(loss) && loss > 0, file + ": loss " + loss);
    }

    /** Class labels (NSP, SOP) are 0 or 1; everything else as the tiny forward tests draw it. */
    static long[] range(Op input) {
        return input.strAttr("name", "").endsWith("_labels") && input.type().rank() == 1 ? new long[] {0, 2}
                : strata.tests.models.TinyForwardTest.range(input);
    }

    @Test
    void tokenMeanCountsOnlyPredictedTokens() {
        Training t = training("masked.strata", """
                import prelude
                model M {
                  input x: f32[B, T]
                  forward { return x }
                  loss l(y, labels: i32[B, T]) = token_mean(y, labels)
                }
                """, null);
        assertTrue(t.result() != null, t.rendered());
        RefTensor x = RefTensor.of(new long[] {1, 4}, 1, 2, 3, 10);
        RefTensor labels = RefTensor.of(DType.I32, new long[] {1, 4}, 5, -100, 7, -100);
        double got = new Interpreter().run(t.result().graph(), Map.of("x", x, "labels", labels), Map.of()).getFirst().item();
        assertEquals((1 + 2 + 3 + 10) / 2.0, got, 1e-12); // the mean divides by the 2 predicted tokens
    }
}
