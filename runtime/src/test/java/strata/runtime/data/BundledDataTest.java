package strata.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled data is found from the checkout or the launcher's property, matches its README's checksums, and a miss says what to do. */
class BundledDataTest {
    @TempDir Path dir;

    @Test
    void theCheckoutsDataIsFoundByWalkingUp() throws Exception {
        Path found = BundledData.directory();
        assertTrue(found.endsWith(Path.of("models", "data")), found.toString());
        // the README's table states these; the data are bundled byte for byte
        assertEquals("86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed", sha256(BundledData.file("tinyshakespeare.txt")));
        assertEquals("55341228082b25b832a5868a5ab4b038142a57f70c676c123280af6ff457fe46", sha256(BundledData.file("sms_spam.tsv")));
        String readme = Files.readString(found.resolve("README.md"));
        assertTrue(readme.contains(sha256(BundledData.file("tinyshakespeare.txt"))) && readme.contains(sha256(BundledData.file("sms_spam.tsv"))));
    }

    private static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    @Test
    void thePropertyWinsOverTheLaunchersHomeWhichWinsOverTheWalk() throws IOException {
        Path home = Files.createDirectories(dir.resolve("home/models/data"));
        assertEquals(dir, BundledData.directory(dir.toString(), dir.resolve("home").toString(), Path.of(".")));
        assertEquals(home, BundledData.directory(null, dir.resolve("home").toString(), Path.of(".")));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> BundledData.directory(dir.resolve("none").toString(), null, Path.of(".")));
        assertTrue(e.getMessage().contains("-Dstrata.data names no directory"), e.getMessage());
    }

    @Test
    void noDataAnywhereAboveSaysWhatToDo() throws IOException {
        Path deep = Files.createDirectories(dir.resolve("a").resolve("b"));
        Path root = deep;
        // only meaningful where no models/data exists above the temporary directory
        for (Path p = deep; p != null; p = p.getParent()) if (Files.isDirectory(p.resolve("models/data"))) return;
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> BundledData.directory(null, null, root));
        assertTrue(e.getMessage().contains("cannot find Strata's bundled data") && e.getMessage().contains("-Dstrata.data=<directory>"), e.getMessage());
    }

    @Test
    void aMissingFileListsWhatIsThere() {
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> BundledData.file("wikitext.txt"));
        assertTrue(e.getMessage().contains("no bundled data file wikitext.txt") && e.getMessage().contains("tinyshakespeare.txt"), e.getMessage());
    }
}
