/** Decoding with an explicit KV cache: the decode program of a causal decoder-only forward, and why a model has none. */
package strata.compiler.decode;
