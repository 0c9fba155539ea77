package strata.tests.backend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphParser;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.runtime.KernelPool;
import strata.tests.RandomTensors;

/**
 * An output that reshapes a temporary (a gradient summed over batch axes with keepdims, then
 * reshaped to the parameter's shape) keeps its memory to the end of the run: the memory plan
 * must not hand the temporary under the reshape to a later kernel.
 */
class OutputAliasTest {
    private static final KernelPool POOL = new KernelPool(2);

    @AfterAll
    static void close() { POOL.close(); }

    @Test
    void anOutputThatReshapesATemporaryIsNotOverwrittenByLaterKernels() {
        Graph g = GraphParser.parse("""
                graph @alias(B, T) {
                  %0 = input {name = "x"} : f32[B, T, 8]
                  %1 = sum %0 {axes = [0, 1], keepdims = true} : f32[1, 1, 8]
                  %2 = reshape %1 : f32[8]
                  %3 = exp %0 : f32[B, T, 8]
                  %4 = sum %3 {axes = [0, 1], keepdims = true} : f32[1, 1, 8]
                  %5 = reshape %4 : f32[8]
                  %6 = tanh %0 : f32[B, T, 8]
                  %7 = sum %6 {axes = [2]} : f32[B, T]
                  return %2, %5, %7
                }
                """);
        assertEveryOutputMatches(g, 1);
    }

    @Test
    void anOutputThatReshapesAnInPlaceCandidateKeepsItsOwnMemory() {
        Graph g = GraphParser.parse("""
                graph @alias_in_place(B, T) {
                  %0 = input {name = "x"} : f32[B, T, 8]
                  %1 = softmax %0 {axis = 2} : f32[B, T, 8]
                  %2 = layer_norm %1 {eps = 1.0e-5} : f32[B, T, 8]
                  %3 = reshape %2 : f32[B, T, 2, 4]
                  %4 = tanh %0 : f32[B, T, 8]
                  %5 = softmax %4 {axis = 2} : f32[B, T, 8]
                  %6 = layer_norm %5 {eps = 1.0e-5} : f32[B, T, 8]
                  return %3, %6
                }
                """);
        assertEveryOutputMatches(g, 2);
    }

    /** Every output of the compiled graph equals the interpreter's on x ~ N(0, 1) of shape [3, 5, 8]. */
    private static void assertEveryOutputMatches(Graph g, long seed) {
        Map<String, RefTensor> in = Map.of("x", RandomTensors.gaussian(new java.util.Random(seed), 1.0, 3, 5, 8));
        List<RefTensor> want = new Interpreter().run(g, in, Map.of());
        List<RefTensor> got = Compiled.run(g, in, Map.of(), POOL);
        for (int i = 0; i < want.size(); i++)
            assertTrue(want.get(i).equalsWithin(got.get(i), 1e-5, 1e-5), "output " + i + ": max difference " + want.get(i).maxAbsDiff(got.get(i)));
    }
}
