package strata.compiler.llvm;

/** LLVM refused something we built: a bug in code generation, never a user's mistake. */
public final class LlvmException extends RuntimeException {
    public LlvmException(String message) {
        super(message);
    }
}
