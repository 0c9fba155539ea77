package strata.runtime.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a file so that a reader, or a process that starts after a crash, sees either the old
 * content or the new, never a mix: the content goes to a temporary file in the same directory, is
 * forced to disk, renamed over the target (rename(2) is atomic within one file system), and then the
 * directory is forced so that the rename itself survives a power cut. This is the sequence SQLite and
 * LevelDB use for their manifests; ext4's and XFS's rename alone does not order data before metadata.
 */
public final class AtomicFile {
    private AtomicFile() {}

    /** Writes the body into a channel positioned at the start of an empty file. */
    @FunctionalInterface
    public interface Body {
        void writeTo(FileChannel out) throws IOException;
    }

    public static void replace(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new IOException(target + ": directory " + dir + " does not exist");
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        boolean moved = false;
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.writeTo(out);
                out.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(target + ": the file system cannot rename atomically, so the checkpoint was not replaced", e);
            }
            moved = true;
            forceDirectory(dir);
        } finally {
            if (!moved) Files.deleteIfExists(tmp);
        }
    }

    /** fsync on the directory makes the new directory entry durable (POSIX leaves it to the caller). */
    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some systems (Windows) cannot open a directory; the rename has still happened
            if (!System.getProperty("os.name", "").startsWith("Windows")) throw e;
        }
    }
}
