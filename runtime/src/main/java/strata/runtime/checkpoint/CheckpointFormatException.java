package strata.runtime.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file that is not what its format says: the message names the file and what is wrong. */
public final class CheckpointFormatException extends IOException {
    private final Path file;

    public CheckpointFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public Path file() { return file; }
}
