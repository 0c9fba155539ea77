package strata.tests.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import strata.compiler.kernel.Kernel;
import strata.compiler.kernel.KernelParser;
import strata.compiler.kernel.KernelPrinter;
import strata.compiler.kernel.KernelVerifier;
import strata.tests.ir.FileCheck;

/**
 * Runs the kernel check files under {@code resources/kernel}: each starts with
 * {@code // RUN: verify} or {@code // RUN: roundtrip}, then cases separated by {@code // -----}.
 * {@code verify} parses a case's kernels and prints, per kernel, {@code kernel @k: ok} or one
 * {@code kernel @k: error: ...} line per diagnostic; {@code roundtrip} prints the parsed kernels
 * (and fails unless printing is a fixed point of parse-then-print). A syntax error prints as
 * {@code KernelSyntaxError: line:col: error: ...}. The output is matched against the case's
 * {@code // CHECK} lines by {@link FileCheck}.
 */
class KernelCheckTest {
    private static final String SEPARATOR = "// -----";

    @TestFactory
    Stream<DynamicNode> kernelCheckFiles() throws IOException, URISyntaxException {
        URL dir = KernelCheckTest.class.getResource("/kernel");
        if (dir == null) throw new IllegalStateException("no kernel/ directory among the test resources");
        List<DynamicNode> files = new ArrayList<>();
        try (Stream<Path> paths = Files.list(Path.of(dir.toURI()))) {
            for (Path p : paths.filter(p -> p.toString().endsWith(".kir")).sorted().toList())
                files.add(DynamicContainer.dynamicContainer(p.getFileName().toString(), cases(p).stream()));
        }
        assertFalse(files.isEmpty(), "no .kir files found");
        return files.stream();
    }

    private static List<DynamicTest> cases(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String run = lines.isEmpty() ? "" : lines.getFirst().strip();
        String mode = run.startsWith("// RUN:") ? run.substring("// RUN:".length()).strip() : "";
        if (!mode.equals("verify") && !mode.equals("roundtrip"))
            throw new IllegalStateException(file + ": the first line must be `// RUN: verify` or `// RUN: roundtrip`");
        List<DynamicTest> tests = new ArrayList<>();
        int start = 1;
        for (int i = 1; i <= lines.size(); i++) {
            if (i < lines.size() && !lines.get(i).strip().equals(SEPARATOR)) continue;
            int first = start;
            List<String> body = lines.subList(first, i);
            String name = file.getFileName() + ":" + (first + 1) + " " + caseName(body);
            tests.add(DynamicTest.dynamicTest(name, () -> runCase(mode, body, first)));
            start = i + 1;
        }
        return tests;
    }

    /** The first CHECK-LABEL's text, which names the kernel under test. */
    private static String caseName(List<String> body) {
        for (FileCheck.Directive d : FileCheck.directives(body, 1))
            if (d.kind() == FileCheck.Kind.LABEL) return d.pattern();
        return "";
    }

    private static void runCase(String mode, List<String> body, int firstLine) {
        List<FileCheck.Directive> checks = FileCheck.directives(body, firstLine + 1);
        if (checks.stream().noneMatch(d -> d.kind() != FileCheck.Kind.NOT))
            throw new AssertionError("line " + (firstLine + 1) + ": a case needs at least one positive CHECK line");
        // Leading blank lines make the parser's line numbers those of the file.
        String text = "\n".repeat(firstLine) + String.join("\n", body);
        FileCheck.check(checks, output(mode, text));
    }

    private static String output(String mode, String text) {
        List<Kernel> kernels;
        try {
            kernels = KernelParser.parseAll(text);
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        if (mode.equals("roundtrip")) {
            String printed = KernelPrinter.print(kernels);
            assertEquals(printed, KernelPrinter.print(KernelParser.parseAll(printed)), "printing is not a fixed point of parse-then-print");
            return printed;
        }
        StringBuilder out = new StringBuilder();
        for (Kernel k : kernels) {
            List<String> ds = KernelVerifier.verify(k);
            if (ds.isEmpty()) out.append("kernel @").append(k.name()).append(": ok\n");
            for (String d : ds) out.append("kernel @").append(k.name()).append(": error: ").append(d).append('\n');
        }
        return out.toString();
    }
}
