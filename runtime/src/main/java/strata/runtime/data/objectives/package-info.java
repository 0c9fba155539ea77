/**
 * The data transforms of the pre-training objectives (CATALOGUE T2-T5): masked LM with BERT's
 * 80/10/10 rule and SpanBERT's geometric spans, NSP and SOP sentence pairs, T5 span corruption and
 * GLM blank infilling. Each is a pure function of (tokens, seed, step, row) through
 * {@link strata.runtime.data.CounterRandom}, so batch n is the same whatever came before it.
 */
package strata.runtime.data.objectives;
