package strata.compiler.autodiff;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.Op;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.graph.passes.DeadCodeElimination;

/**
 * Reverse-mode automatic differentiation of a graph: appends to it the gradient of a scalar loss
 * with respect to each trainable parameter (Griewank and Walther, "Evaluating Derivatives", 2008,
 * ch. 3: one reverse sweep, adjoints accumulated over every use of a value). A parameter op used
 * several times (tied embeddings, ALBERT's shared layers), or several param ops of one name, get
 * one gradient: the sum. Only ops on a path from a trainable parameter to the loss get adjoints,
 * and dead code elimination runs after, so a frozen part of the model costs nothing.
 */
public final class Gradients {
    private Gradients() {}

    /**
     * A graph with gradients appended.
     *
     * @param graph     outputs: the original outputs in order, then one gradient per trainable
     *                  parameter, in order of the parameters' first definition
     * @param gradients parameter name to the index of its gradient among {@code graph}'s outputs
     */
    public record Result(Graph graph, Map<String, Integer> gradients) {
        public Result {
            gradients = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(gradients));
        }

        /** The output holding the gradient of the named parameter. */
        public Value gradient(String param) {
            Integer i = gradients.get(param);
            if (i == null) throw new IllegalArgumentException("no gradient of `" + param + "` (trainable: " + gradients.keySet() + ")");
            return graph.outputs().get(i);
        }
    }

    /**
     * Appends d loss / d p for every {@code param} p whose name {@code trainable} accepts and whose
     * type is a float. A trainable parameter the loss does not depend on gets zeros.
     *
     * @param loss a rank-0 float value defined at the top level of {@code g}
     * @throws IllegalArgumentException when {@code loss} is not such a value
     * @throws UnsupportedOperationException naming the op when a gradient has no rule
     */
    public static Result append(Graph g, Value loss, Predicate<String> trainable) {
        Op lossOp = g.ops().stream().filter(o -> o.result().equals(loss)).findFirst().orElseThrow(
                () -> new IllegalArgumentException("autodiff: the loss %" + loss.id() + " is not a value of graph @" + g.name()));
        if (lossOp.type().rank() != 0 || !lossOp.type().dtype().isFloat())
            throw new IllegalArgumentException("autodiff: the loss must be a float scalar (f32[]), got " + lossOp.type()
                    + "; reduce it first (sum or mean)");
        Map<String, List<Value>> params = new LinkedHashMap<>();
        for (Op p : g.params()) {
            String name = p.strAttr("name", "?");
            if (trainable.test(name) && p.type().dtype().isFloat()) params.computeIfAbsent(name, k -> new ArrayList<>()).add(p.result());
        }
        GraphBuilder gb = new GraphBuilder(g.name(), g.maxId() + 1);
        for (String s : g.symbols()) gb.declareSymbol(s);
        for (Op op : g.ops()) gb.append(op);
        AdjointBuilder b = new AdjointBuilder(gb);
        Set<Value> wrt = new LinkedHashSet<>();
        params.values().forEach(wrt::addAll);
        Map<Integer, Value> adj = Adjoints.backward(g.ops(), loss, b.scalar(1.0, loss), wrt, b);
        List<Value> outputs = new ArrayList<>(g.outputs());
        Map<String, Integer> index = new LinkedHashMap<>();
        for (var e : params.entrySet()) {
            Value sum = null;
            for (Value p : e.getValue()) {
                Value a = adj.get(p.id());
                if (a != null) sum = sum == null ? a : b.add(sum, a);
            }
            TensorType t = e.getValue().getFirst().type();
            index.put(e.getKey(), outputs.size());
            outputs.add(sum != null ? b.reshape(sum, t) : b.zeros(t));
        }
        Graph out = new DeadCodeElimination().run(gb.build(outputs));
        return new Result(out, index);
    }

    /** All parameters trainable. */
    public static Result append(Graph g, Value loss) { return append(g, loss, name -> true); }
}
