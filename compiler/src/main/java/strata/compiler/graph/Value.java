package strata.compiler.graph;

/**
 * An SSA value: the result of one op or an argument of a region. Identity is the id, unique
 * within one graph; printing renumbers values in order of definition.
 */
public record Value(int id, TensorType type) {
    @Override public String toString() { return "%" + id + " : " + type; }
}
