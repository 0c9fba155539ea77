package strata.tests.kernel;

import java.io.IOException;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphParser;
import strata.compiler.lower.GraphLowering;
import strata.tests.ir.CheckFiles;
import strata.tests.ir.FileCheck;

/**
 * Runs the lowering check files under {@code resources/lower}: graph IR in, the kernels of its
 * program out ({@code strata compile --emit=kernel}). The first line is {@code // RUN: lower}
 * (inference) or {@code // RUN: lower --training} (dropout masks, with the step seed a run-time
 * size); cases are separated by {@code // -----} and matched by {@link FileCheck}. A refused op
 * prints as its exception's class and message.
 */
class LoweringCheckTest {
    @TestFactory
    Stream<DynamicNode> loweringCheckFiles() throws IOException, URISyntaxException {
        return CheckFiles.of(LoweringCheckTest.class, "lower", ".ir", (words, body, first) -> {
            if (words.isEmpty() || !words.getFirst().equals("lower") || words.size() > 2 || words.size() == 2 && !words.get(1).equals("--training"))
                throw new IllegalStateException("the first line must be `// RUN: lower [--training]`, not `// RUN: " + String.join(" ", words) + "`");
            boolean training = words.size() == 2;
            List<FileCheck.Directive> checks = FileCheck.directives(body, first + 1);
            String text = "\n".repeat(first) + String.join("\n", body);
            FileCheck.check(checks, output(text, training));
        });
    }

    private static String output(String text, boolean training) {
        try {
            List<String> out = new ArrayList<>();
            for (Graph g : GraphParser.parseAll(text)) out.add((training ? GraphLowering.training(g) : GraphLowering.of(g)).text());
            return String.join("\n", out);
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }
}
