package strata.compiler.autodiff;

import strata.compiler.graph.Graph;
import strata.compiler.graph.passes.Pass;

/**
 * {@code autodiff} in a pipeline: the graph's last output is the loss; every parameter is
 * trainable; the gradients are appended as outputs after the original ones ({@link Gradients}).
 */
public final class AutodiffPass implements Pass {
    @Override public String name() { return "autodiff"; }

    @Override public Graph run(Graph g) {
        if (g.outputs().isEmpty()) throw new IllegalArgumentException("autodiff: graph @" + g.name() + " has no output to take as the loss");
        return Gradients.append(g, g.outputs().getLast()).graph();
    }
}
