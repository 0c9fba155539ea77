package strata.tests.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import strata.cli.Main;

/** Every model the documentation shows (docs/examples/*.strata) passes `strata check`, so the docs stay true. */
class DocExamplesTest {
    static Path examples() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isDirectory(p.resolve("docs/examples"))) return p.resolve("docs/examples");
        throw new IllegalStateException("cannot find docs/examples above " + Path.of("").toAbsolutePath());
    }

    static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(examples())) {
            return s.filter(p -> p.toString().endsWith(".strata")).sorted().toList();
        }
    }

    @Test
    void theDocsHaveExamples() throws IOException {
        assertFalse(files().isEmpty());
    }

    @ParameterizedTest(name = "strata check {0}")
    @MethodSource("files")
    void everyDocExampleChecks(Path file) {
        Run r = check(file);
        assertEquals(0, r.rc(), file + " does not check:\n" + r.stderr());
        assertTrue(r.stdout().lines().anyMatch(l -> l.matches("parameters: \\d+")), "no `parameters:` line in\n" + r.stdout());
    }

    /** The diagnostics example of docs/language.md reports all five of its mistakes in one run. */
    @Test
    void theErrorExampleReportsEveryMistakeAndFails() {
        Run r = check(examples().resolve("errors/mine.strata"));
        assertEquals(1, r.rc(), r.stderr());
        assertTrue(r.stderr().contains("5 errors"), r.stderr());
    }

    record Run(int rc, String stdout, String stderr) {}

    static Run check(Path file) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            rc = Main.run("check", file.toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Run(rc, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }
}
