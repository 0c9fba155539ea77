package strata.compiler.graph;

import java.util.List;

/**
 * A scalar program nested in an op: attention's mask {@code (b, h, q, k) -> bool} and score
 * modifier {@code (b, h, q, k, s) -> f32}. Its ops may read values of the enclosing graph
 * (per-sample data such as prefix lengths), which is how masks capture their data.
 *
 * @param role  what the region means to its op ("mask" or "score")
 * @param args  the region's arguments (scalar indices, and the score for "score")
 * @param ops   its body, in order
 * @param yield the value it produces
 */
public record Region(String role, List<Value> args, List<Op> ops, Value yield) {
    public Region {
        args = List.copyOf(args);
        ops = List.copyOf(ops);
    }
}
