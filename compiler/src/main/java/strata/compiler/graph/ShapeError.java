package strata.compiler.graph;

/** An op whose operands do not fit its rules; the message names both shapes in symbolic form. */
public final class ShapeError extends RuntimeException {
    public ShapeError(String message) {
        super(message);
    }
}
