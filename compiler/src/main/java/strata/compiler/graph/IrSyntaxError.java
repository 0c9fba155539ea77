package strata.compiler.graph;

import strata.compiler.text.TextSyntaxError;

/** Text that is not a graph of this dialect; see {@link TextSyntaxError}. */
public final class IrSyntaxError extends TextSyntaxError {
    public IrSyntaxError(int line, int column, String reason) {
        super(line, column, reason);
    }
}
