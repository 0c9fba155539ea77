package strata.cli;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import strata.compiler.front.Elaborator;
import strata.compiler.graph.Op;
import strata.runtime.data.TextDataset;
import strata.runtime.data.objectives.BlankInfilling;
import strata.runtime.data.objectives.MaskedLm;
import strata.runtime.data.objectives.PretrainingBatches;
import strata.runtime.data.objectives.SentencePairs;
import strata.runtime.data.objectives.SpanCorruption;
import strata.runtime.data.objectives.Vocabulary;
import strata.runtime.train.Batches;

/**
 * Which pre-training objective feeds a model's loss, read from the inputs the loss declares:
 * masked LM with next-sentence or sentence-order prediction (BERT, ALBERT: mlm_labels and
 * nsp_labels or sop_labels), T5's span corruption (src, tgt, labels), GLM's blank infilling
 * (positions, block_positions, prefix, targets). The vocabulary is the corpus's characters
 * followed by the objective's special tokens.
 *
 * @param batches null for plain next-token prediction, whose batches the caller makes
 */
record Objective(String name, int vocabulary, Batches batches) {
    static Objective of(Elaborator.Result r, TextDataset corpus, int batch, int block, int window, long seed) {
        Set<String> in = r.graph().inputs().stream().map(o -> o.strAttr("name", "")).collect(Collectors.toSet());
        int chars = corpus.tokenizer().vocabSize();
        if (in.contains("mlm_labels") && (in.contains("nsp_labels") || in.contains("sop_labels"))) {
            Vocabulary v = Vocabulary.appended(chars, List.of(Vocabulary.CLS, Vocabulary.SEP, Vocabulary.MASK, Vocabulary.PAD), 0);
            boolean sop = in.contains("sop_labels");
            SentencePairs pairs = sop ? SentencePairs.sop(v) : SentencePairs.nsp(v);
            return new Objective("masked LM (15%, 80/10/10) with " + (sop ? "sentence-order" : "next-sentence") + " prediction, blocks of " + block,
                    v.size(), PretrainingBatches.bert(corpus.train(), corpus.val(), pairs, MaskedLm.bert(v), batch, block, seed));
        }
        if (in.containsAll(List.of("src", "tgt", "labels"))) {
            Vocabulary v = Vocabulary.appended(chars, List.of(Vocabulary.PAD, Vocabulary.EOS), 16);
            return new Objective("T5 span corruption (15% noise, mean span 3), windows of " + window, v.size(),
                    PretrainingBatches.t5(corpus.train(), corpus.val(), SpanCorruption.t5(v), batch, window, seed));
        }
        if (in.containsAll(List.of("positions", "block_positions", "prefix", "targets"))) {
            Vocabulary v = Vocabulary.appended(chars, List.of(Vocabulary.MASK, Vocabulary.START, Vocabulary.END, Vocabulary.PAD), 0);
            BlankInfilling bi = BlankInfilling.glm(v);
            if (bi.maxLength(window) > block)
                throw new IllegalArgumentException("GLM blank infilling of windows of " + window + " needs block >= " + bi.maxLength(window)
                        + "; add --set block=" + bi.maxLength(window));
            return new Objective("GLM blank infilling (Poisson(3) spans, 15%), windows of " + window, v.size(),
                    PretrainingBatches.glm(corpus.train(), corpus.val(), bi, batch, window, seed));
        }
        throw new IllegalArgumentException("strata train does not know which data feeds " + r.model() + "'s loss; its training inputs are "
                + r.graph().inputs().stream().map(o -> o.strAttr("name", "") + ": " + o.type()).toList()
                + " (it knows next-token prediction, BERT/ALBERT masked LM, T5 span corruption and GLM blank infilling)");
    }
}
