/** Checkpoints as safetensors files: crash-safe writes, validated reads. */
package strata.runtime.checkpoint;
