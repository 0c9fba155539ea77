/**
 * The reference interpreter of the graph dialect: {@link strata.compiler.interp.Interpreter} runs a
 * {@link strata.compiler.graph.Graph} on {@link strata.compiler.interp.RefTensor}s in plain Java and
 * double precision. It is the numerical oracle (DESIGN.md, principle 1) that every compiled kernel,
 * fusion and pass is tested against; speed is not a goal, exactness and readability are.
 */
package strata.compiler.interp;
