package strata.tests.ir;


import java.io.IOException;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
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
    @TestFactory
    Stream<DynamicNode> irCheckFiles() throws IOException, URISyntaxException {
        return CheckFiles.of(IrCheckTest.class, "ir", ".ir",
                (words, body, first) -> runCase(words.getFirst(), words.contains("--trust-types"), body, first));
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
