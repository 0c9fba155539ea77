/** The graph dialect: tensor ops with dtypes and symbolic shapes; masks as regions. */
package strata.compiler.graph;
