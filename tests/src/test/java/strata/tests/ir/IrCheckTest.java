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
import org.junit.jupiter.api.TestFactory;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphParser;
import strata.compiler.graph.GraphPrinter;
import strata.compiler.graph.passes.PassManager;

/**
 * Runs the IR check files under {@code resources/ir}: each starts with
 * {@code // RUN: <pipeline> [--trust-types]}, then cases separated by {@code // -----}. A case's
 * graphs are parsed, run through the pipeline (verifying after every pass) and printed; the
 * printed text, or the error if parsing or a pass fails, is matched against the case's
 * {@code // CHECK} lines by {@link FileCheck}. {@code --trust-types} keeps stale written types
 * (for testing shape inference).
 */
class IrCheckTest {
    private static final String SEPARATOR = "// -----";

    @TestFactory
    Stream<DynamicNode> irCheckFiles() throws IOException, URISyntaxException {
        URL dir = IrCheckTest.class.getResource("/ir");
        if (dir == null) throw new IllegalStateException("no ir/ directory among the test resources");
        List<DynamicNode> files = new ArrayList<>();
        try (Stream<Path> paths = Files.list(Path.of(dir.toURI()))) {
            for (Path p : paths.filter(p -> p.toString().endsWith(".ir")).sorted().toList())
                files.add(DynamicContainer.dynamicContainer(p.getFileName().toString(), cases(p).stream()));
        }
        assertFalse(files.isEmpty(), "no .ir files found");
        return files.stream();
    }

    private static List<DynamicTest> cases(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String run = lines.isEmpty() ? "" : lines.getFirst().strip();
        if (!run.startsWith("// RUN:")) throw new IllegalStateException(file + ": the first line must be `// RUN: <pipeline>`");
        List<String> words = List.of(run.substring("// RUN:".length()).strip().split("\\s+"));
        String pipeline = words.getFirst();
        boolean trustTypes = words.contains("--trust-types");
        List<DynamicTest> tests = new ArrayList<>();
        int start = 1;
        for (int i = 1; i <= lines.size(); i++) {
            if (i < lines.size() && !lines.get(i).strip().equals(SEPARATOR)) continue;
            int first = start;
            List<String> body = lines.subList(first, i);
            String name = file.getFileName() + ":" + (first + 1) + " " + caseName(body);
            tests.add(DynamicTest.dynamicTest(name, () -> runCase(pipeline, trustTypes, body, first)));
            start = i + 1;
        }
        return tests;
    }

    /** The first CHECK-LABEL's text, which names the graph under test. */
    private static String caseName(List<String> body) {
        for (FileCheck.Directive d : FileCheck.directives(body, 1))
            if (d.kind() == FileCheck.Kind.LABEL) return d.pattern();
        return "";
    }

    private static void runCase(String pipeline, boolean trustTypes, List<String> body, int firstLine) {
        List<FileCheck.Directive> checks = FileCheck.directives(body, firstLine + 1);
        if (checks.stream().noneMatch(d -> d.kind() != FileCheck.Kind.NOT))
            throw new AssertionError("line " + (firstLine + 1) + ": a case needs at least one positive CHECK line");
        // Leading blank lines make the parser's line numbers those of the file.
        String text = "\n".repeat(firstLine) + String.join("\n", body);
        FileCheck.check(checks, output(pipeline, trustTypes, text));
    }

    private static String output(String pipeline, boolean trustTypes, String text) {
        try {
            List<Graph> graphs = trustTypes ? GraphParser.parseAllTrustingTypes(text) : GraphParser.parseAll(text);
            List<Graph> out = new ArrayList<>();
            for (Graph g : graphs) out.add(PassManager.parse(pipeline).run(g));
            return GraphPrinter.print(out);
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }
}
