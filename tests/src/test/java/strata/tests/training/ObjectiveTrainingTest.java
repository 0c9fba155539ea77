package strata.tests.training;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import strata.compiler.front.Elaborator;
import strata.compiler.graph.Graph;
import strata.grammar.DiagnosticRenderer;
import strata.grammar.Diagnostics;
import strata.grammar.ProgramLoader;
import strata.grammar.SourceFiles;
import strata.runtime.KernelPool;
import strata.runtime.data.BundledData;
import strata.runtime.data.TextDataset;
import strata.runtime.data.objectives.BlankInfilling;
import strata.runtime.data.objectives.MaskedLm;
import strata.runtime.data.objectives.PretrainingBatches;
import strata.runtime.data.objectives.SentencePairs;
import strata.runtime.data.objectives.SpanCorruption;
import strata.runtime.data.objectives.Vocabulary;
import strata.runtime.train.Batches;
import strata.runtime.train.Optimizer;
import strata.runtime.train.Schedule;
import strata.runtime.train.Trainer;
import strata.tests.ModelFiles;

/**
 * The pre-training objectives learn: BERT's masked LM with NSP, T5's span corruption and GLM's
 * blank infilling, each on character-level tinyshakespeare with the model's tiny preset (its
 * vocabulary widened to the 65 characters plus the objective's special tokens), trained by the
 * compiled Trainer. The figures each run measures are printed for the record.
 */
class ObjectiveTrainingTest {
    private static final KernelPool POOL = new KernelPool(2);
    private static TextDataset data;

    @BeforeAll
    static void load() throws Exception { data = TextDataset.load(BundledData.file("tinyshakespeare.txt")); }

    @AfterAll
    static void close() { POOL.close(); }

    static Graph training(String file, Map<String, String> sets) throws Exception {
        Diagnostics d = new Diagnostics();
        SourceFiles src = new SourceFiles();
        var path = ModelFiles.models().resolve(file);
        var p = new ProgramLoader(d, src).loadText(path.toString(), Files.readString(path));
        Elaborator.Result r = d.hasErrors() ? null : new Elaborator(p, d).elaborateTraining(null, "tiny", sets, null);
        StringBuilder sb = new StringBuilder();
        for (var x : d.all()) sb.append(new DiagnosticRenderer(src).render(x));
        assertTrue(r != null && !d.hasErrors(), sb.toString());
        return r.graph();
    }

    record Run(double[] losses, double before, double after, double seconds) {
        double head(int n) { return java.util.Arrays.stream(losses, 0, n).average().orElseThrow(); }

        double tail(int n) { return java.util.Arrays.stream(losses, losses.length - n, losses.length).average().orElseThrow(); }
    }

    static Run train(Graph g, Batches batches, int steps, double lr, String name) { return train(g, n -> true, batches, steps, lr, name); }

    static Run train(Graph g, java.util.function.Predicate<String> trainable, Batches batches, int steps, double lr, String name) {
        long t0 = System.nanoTime();
        try (Arena a = Arena.ofConfined();
             Trainer tr = new Trainer(g, trainable, TrainerTest.init(g, a), Optimizer.Settings.adamw(0.9, 0.99, 0.01, 1.0),
                     new Schedule(Schedule.Decay.COSINE, lr, lr / 10, steps / 10, steps), 1, POOL)) {
            double before = tr.evaluate(batches, 2);
            double[] losses = new double[steps];
            for (int s = 0; s < steps; s++) losses[s] = tr.step(s, batches, 1).loss();
            double after = tr.evaluate(batches, 2);
            Run r = new Run(losses, before, after, (System.nanoTime() - t0) / 1e9);
            System.out.printf("%s: validation loss %.3f -> %.3f after %d steps; train loss first 5 mean %.3f, last 5 mean %.3f; %.1f s%n",
                    name, before, after, steps, r.head(5), r.tail(5), r.seconds());
            return r;
        }
    }

    @Test
    void bertMaskedLmWithNspLearnsOnTinyShakespeare() throws Exception {
        Vocabulary v = Vocabulary.appended(data.tokenizer().vocabSize(), List.of(Vocabulary.CLS, Vocabulary.SEP, Vocabulary.MASK, Vocabulary.PAD), 0);
        Graph g = training("bert_pretraining.strata", Map.of("vocab", "" + v.size(), "block", "64"));
        Batches b = PretrainingBatches.bert(data.train(), data.val(), SentencePairs.nsp(v), MaskedLm.bert(v), 16, 64, 1);
        Run r = train(g, b, 200, 3e-3, "BERT MLM+NSP");
        assertTrue(r.before() > 4.6, "untrained: MLM near ln(69) = 4.23 plus NSP near ln 2 = 0.69: " + r.before());
        // measured 4.94 -> 3.92 (validation, 200 steps); the NSP term is non-negative, so a total
        // below 4.1 puts the MLM term below 4.1 too, under the uniform guess ln(69) = 4.23 with NSP
        // at its own floor of 0, and in practice NSP stays near ln 2 on character windows
        assertTrue(r.after() < 4.1, "MLM+NSP validation loss after 200 steps: " + r.before() + " -> " + r.after());
    }

    @Test
    void t5SpanCorruptionLossDecreases() throws Exception {
        Vocabulary v = Vocabulary.appended(data.tokenizer().vocabSize(), List.of(Vocabulary.PAD, Vocabulary.EOS), 16);
        Graph g = training("t5.strata", Map.of("vocab", "" + v.size()));
        Batches b = PretrainingBatches.t5(data.train(), data.val(), SpanCorruption.t5(v), 16, 48, 1);
        // the relative-position tables, read inside the attention's score region, train with the rest
        Run r = train(g, b, 50, 3e-3, "T5 span corruption");
        assertTrue(r.tail(5) < r.head(5), "the last 5 losses average below the first 5: " + r.head(5) + " -> " + r.tail(5));
    }

    @Test
    void glmBlankInfillingLossDecreases() throws Exception {
        Vocabulary v = Vocabulary.appended(data.tokenizer().vocabSize(), List.of(Vocabulary.MASK, Vocabulary.START, Vocabulary.END, Vocabulary.PAD), 0);
        BlankInfilling bi = BlankInfilling.glm(v);
        Graph g = training("glm.strata", Map.of("vocab", "" + v.size(), "block", "" + bi.maxLength(48)));
        Batches b = PretrainingBatches.glm(data.train(), data.val(), bi, 16, 48, 1);
        Run r = train(g, b, 50, 3e-3, "GLM blank infilling");
        assertTrue(r.tail(5) < r.head(5), "the last 5 losses average below the first 5: " + r.head(5) + " -> " + r.tail(5));
    }
}
