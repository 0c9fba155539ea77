package strata.compiler.decode;

/**
 * Why a forward graph cannot become a KV-cache decode program: a mask that lets a query see a
 * later key (with the cell that shows it), or an op that mixes tokens other than attention. The
 * message is written for a person; a caller that can fall back to full recomputation says it once.
 */
public final class NotDecodable extends IllegalArgumentException {
    public NotDecodable(String message) {
        super(message);
    }
}
