package strata.tests.ir;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;

/**
 * The check files of a test-resource folder as dynamic tests: each file's first line is
 * {@code // RUN: ...}, its cases are separated by {@code // -----}, and each case is named by
 * its line and its first {@code CHECK-LABEL}.
 */
public final class CheckFiles {
    private static final String SEPARATOR = "// -----";

    /** What to do with one case: its file's RUN words, its lines, and the 0-based line it starts at. */
    public interface CaseRunner {
        void run(List<String> runWords, List<String> body, int firstLine) throws Throwable;
    }

    private CheckFiles() {}

    public static Stream<DynamicNode> of(Class<?> anchor, String folder, String extension, CaseRunner runner) throws IOException, URISyntaxException {
        URL dir = anchor.getResource("/" + folder);
        if (dir == null) throw new IllegalStateException("no " + folder + "/ directory among the test resources");
        List<DynamicNode> files = new ArrayList<>();
        try (Stream<Path> paths = Files.list(Path.of(dir.toURI()))) {
            for (Path p : paths.filter(p -> p.toString().endsWith(extension)).sorted().toList())
                files.add(DynamicContainer.dynamicContainer(p.getFileName().toString(), cases(p, runner).stream()));
        }
        assertFalse(files.isEmpty(), "no " + extension + " files found");
        return files.stream();
    }

    private static List<DynamicTest> cases(Path file, CaseRunner runner) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String run = lines.isEmpty() ? "" : lines.getFirst().strip();
        if (!run.startsWith("// RUN:")) throw new IllegalStateException(file + ": the first line must be `// RUN: ...`");
        List<String> words = List.of(run.substring("// RUN:".length()).strip().split("\\s+"));
        List<DynamicTest> tests = new ArrayList<>();
        int start = 1;
        for (int i = 1; i <= lines.size(); i++) {
            if (i < lines.size() && !lines.get(i).strip().equals(SEPARATOR)) continue;
            int first = start;
            List<String> body = lines.subList(first, i);
            String name = file.getFileName() + ":" + (first + 1) + " " + caseName(body);
            tests.add(DynamicTest.dynamicTest(name, () -> runner.run(words, body, first)));
            start = i + 1;
        }
        return tests;
    }

    /** The first CHECK-LABEL's text, which names what the case tests. */
    private static String caseName(List<String> body) {
        for (FileCheck.Directive d : FileCheck.directives(body, 1))
            if (d.kind() == FileCheck.Kind.LABEL) return d.pattern();
        return "";
    }
}
