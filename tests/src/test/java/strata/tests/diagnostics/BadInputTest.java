package strata.tests.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import strata.tests.cli.CliRun;

/**
 * The checker's answer to each file of mistakes under {@code resources/bad/}. A file states what
 * must be reported in its header:
 * <pre>
 * // RUN: --preset tiny --set d=30          (optional: more arguments for `strata check FILE`)
 * // ERROR: 7:13: cannot add f32[B, T, 32]   (line:col and a part of the message, in order)
 * // ERROR: helpers/b.strata:2:1: cyclic import   (a diagnostic in another file, by its path)
 * </pre>
 * The run must fail with exit code 1 and report exactly those errors, each with its source line
 * and a caret line, and never a stack trace. Files in subfolders are helpers that these import.
 */
class BadInputTest {
    static final Path BAD = Path.of("src/test/resources/bad");
    private static final Pattern ERROR_LINE = Pattern.compile("^// ERROR: (?:(\\S+\\.strata):)?(\\d+):(\\d+): (.+)$");
    private static final Pattern HEADLINE = Pattern.compile("^(.+?):(\\d+):(\\d+): error: (.*)$");
    private static final Pattern SOURCE_LINE = Pattern.compile("^ *\\d+ \\| .*$");
    private static final Pattern CARET_LINE = Pattern.compile("^ +\\| *\\^+.*$");

    /** A diagnostic a file expects: in {@code file} (null for the file itself), at line:col, with a message containing text. */
    record Expected(String file, int line, int col, String text) {
        @Override public String toString() { return (file == null ? "" : file + ":") + line + ":" + col + ": " + text; }
    }

    record Case(Path file, List<String> args, List<Expected> errors) {}

    @TestFactory
    Stream<DynamicTest> everyBadInputIsReportedExactly() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(BAD)) {
            files = s.filter(p -> p.toString().endsWith(".strata")).sorted().toList();
        }
        assertTrue(files.size() >= 40, "the corpus has " + files.size() + " files, fewer than 40");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            Case c = read(f);
            List<String> args = new ArrayList<>(List.of("check", f.toString()));
            args.addAll(c.args());
            CliRun run = CliRun.of(args.toArray(String[]::new));
            verify(c, run.exitCode(), run.all());
        }));
    }

    static Case read(Path f) throws IOException {
        List<String> args = new ArrayList<>();
        List<Expected> errors = new ArrayList<>();
        for (String line : Files.readAllLines(f)) {
            if (line.startsWith("// RUN:")) args.addAll(List.of(line.substring("// RUN:".length()).trim().split("\\s+")));
            else if (line.startsWith("// ERROR:")) {
                Matcher m = ERROR_LINE.matcher(line);
                if (!m.matches()) fail(f + ": malformed header `" + line + "`; write // ERROR: LINE:COL: MESSAGE");
                errors.add(new Expected(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), m.group(4).trim()));
            }
        }
        if (errors.isEmpty()) fail(f + " states no // ERROR: line");
        return new Case(f, args, errors);
    }

    /** The laws of a diagnostic run, on what the command printed. */
    static void verify(Case c, int exitCode, String output) {
        String context = "\n--- output of strata check " + c.file() + " " + String.join(" ", c.args()) + " ---\n" + output;
        for (String banned : List.of("Exception", "internal error", "\tat "))
            assertFalse(output.contains(banned), "the output contains `" + banned.strip() + "`" + context);
        assertEquals(1, exitCode, "a user's mistake must exit with 1" + context);
        String[] lines = output.split("\n");
        List<Integer> heads = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) if (HEADLINE.matcher(lines[i]).matches()) heads.add(i);
        assertEquals(c.errors().size(), heads.size(), "expected " + c.errors().size() + " errors " + c.errors()
                + " and no follow-on errors, got " + heads.size() + context);
        for (int k = 0; k < heads.size(); k++) {
            int i = heads.get(k);
            Expected want = c.errors().get(k);
            Matcher m = HEADLINE.matcher(lines[i]);
            assertTrue(m.matches());
            String file = want.file() == null ? c.file().toString() : c.file().resolveSibling(want.file()).toString();
            String where = m.group(1) + ":" + m.group(2) + ":" + m.group(3);
            assertEquals(file + ":" + want.line() + ":" + want.col(), where, "error " + (k + 1) + " is at the wrong place" + context);
            assertTrue(m.group(4).contains(want.text()), "error " + (k + 1) + " should say `" + want.text() + "`" + context);
            assertTrue(i + 2 < lines.length && SOURCE_LINE.matcher(lines[i + 1]).matches() && CARET_LINE.matcher(lines[i + 2]).matches(),
                    "error " + (k + 1) + " needs its source line and a caret line under it" + context);
        }
    }

    @Test
    void theCheckRejectsAMovedColumnAMissingErrorAndAnExtraOne() throws IOException {
        Path f = BAD.resolve("shape_mismatch_add.strata");
        Case c = read(f);
        CliRun run = CliRun.of("check", f.toString());
        verify(c, run.exitCode(), run.all());
        Expected e = c.errors().getFirst();
        Case moved = new Case(f, c.args(), List.of(new Expected(null, e.line(), e.col() + 1, e.text())));
        assertThrows(AssertionError.class, () -> verify(moved, run.exitCode(), run.all()));
        Case reworded = new Case(f, c.args(), List.of(new Expected(null, e.line(), e.col(), "cannot multiply")));
        assertThrows(AssertionError.class, () -> verify(reworded, run.exitCode(), run.all()));
        Case twice = new Case(f, c.args(), List.of(e, e));
        assertThrows(AssertionError.class, () -> verify(twice, run.exitCode(), run.all()));
        assertThrows(AssertionError.class, () -> verify(c, 2, run.all()));
        assertThrows(AssertionError.class, () -> verify(c, 1, run.all() + "\tat strata.Foo.bar(Foo.java:1)\n"));
    }
}
