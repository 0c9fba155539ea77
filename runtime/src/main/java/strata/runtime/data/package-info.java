/** Bundled data and the datasets that feed training: splits and seeded, restartable batches. */
package strata.runtime.data;
