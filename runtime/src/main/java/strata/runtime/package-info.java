/** Tensors over FFM memory, the executor, training, inference, checkpoints. */
package strata.runtime;
