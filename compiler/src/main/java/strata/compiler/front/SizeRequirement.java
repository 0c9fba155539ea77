package strata.compiler.front;

import java.util.Map;
import strata.compiler.graph.Dim;
import strata.grammar.Span;

/**
 * A requirement on sizes known only when the model runs ({@code requires T <= block}): kept with
 * the elaborated model so that a runner can refuse inputs that break it, naming the requirement.
 */
public record SizeRequirement(String text, Span span, Dim left, String op, Dim right) {

    /** Whether it holds for these sizes. */
    public boolean holds(Map<String, Long> sizes) {
        long l = left.eval(sizes), r = right.eval(sizes);
        return switch (op) {
            case "<" -> l < r;
            case "<=" -> l <= r;
            case ">" -> l > r;
            case ">=" -> l >= r;
            case "==" -> l == r;
            case "!=" -> l != r;
            default -> throw new IllegalStateException(op);
        };
    }

    /** {@code requires T <= 1024 (models/gpt2.strata:26:27)}. */
    public String describe() { return left + " " + op + " " + right + " (" + span + ")"; }
}
