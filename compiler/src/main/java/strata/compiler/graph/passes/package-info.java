/**
 * Passes over the graph dialect, one per file, each a {@link strata.compiler.graph.passes.Pass}
 * tested as IR text in, IR text out (tests/src/test/resources/ir/*.ir), and the
 * {@link strata.compiler.graph.passes.PassManager} that runs named pipelines of them.
 */
package strata.compiler.graph.passes;
