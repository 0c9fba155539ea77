package strata.runtime.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Finds the data bundled with Strata (models/data in the source tree): the directory named by the
 * system property {@value #PROPERTY} if set, else models/data under {@value #HOME} (which the
 * {@code strata} launcher sets to the checkout), else the first {@code models/data} found walking up
 * from the working directory, so that tests and a checkout need no setting.
 */
public final class BundledData {
    private BundledData() {}

    public static final String PROPERTY = "strata.data";
    public static final String HOME = "strata.home";

    public static Path directory() throws IOException {
        return directory(System.getProperty(PROPERTY), System.getProperty(HOME), Path.of(System.getProperty("user.dir")));
    }

    /** A bundled file by name, e.g. {@code tinyshakespeare.txt}. */
    public static Path file(String name) throws IOException {
        Path dir = directory();
        Path f = dir.resolve(name);
        if (!Files.isRegularFile(f)) {
            try (Stream<Path> files = Files.list(dir)) {
                throw new NoSuchFileException(f.toString(), null, "no bundled data file " + name + " (the directory holds "
                        + files.map(p -> p.getFileName().toString()).sorted().toList() + ")");
            }
        }
        return f;
    }

    static Path directory(String property, String home, Path start) throws IOException {
        if (property != null) {
            Path p = Path.of(property);
            if (!Files.isDirectory(p)) throw new NoSuchFileException(property, null, "-D" + PROPERTY + " names no directory");
            return p;
        }
        if (home != null && Files.isDirectory(Path.of(home, "models", "data"))) return Path.of(home, "models", "data");
        for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("models").resolve("data");
            if (Files.isDirectory(candidate)) return candidate;
        }
        throw new NoSuchFileException(start.toAbsolutePath().toString(), null, "cannot find Strata's bundled data: there is no models/data in this directory"
                + " or any above it; run from inside the Strata checkout or set -D" + PROPERTY + "=<directory>");
    }
}
