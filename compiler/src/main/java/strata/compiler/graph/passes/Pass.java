package strata.compiler.graph.passes;

import strata.compiler.graph.Graph;

/** One transformation of the graph dialect: a pure function from a graph to a graph. */
public interface Pass {
    /** The name pipelines and {@code --print-ir-after-all} know it by ({@code cse}, {@code dce}, ...). */
    String name();

    Graph run(Graph g);
}
