/** Reverse-mode automatic differentiation of the graph dialect: {@link strata.compiler.autodiff.Gradients}. */
package strata.compiler.autodiff;
