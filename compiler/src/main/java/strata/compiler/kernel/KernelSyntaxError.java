package strata.compiler.kernel;

import strata.compiler.text.TextSyntaxError;

/** Text that is not a kernel of this dialect; see {@link TextSyntaxError}. */
public final class KernelSyntaxError extends TextSyntaxError {
    public KernelSyntaxError(int line, int column, String reason) {
        super(line, column, reason);
    }
}
