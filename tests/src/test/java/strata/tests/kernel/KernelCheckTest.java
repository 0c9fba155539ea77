package strata.tests.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URISyntaxException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import strata.compiler.kernel.Kernel;
import strata.compiler.kernel.KernelParser;
import strata.compiler.kernel.KernelPrinter;
import strata.compiler.kernel.KernelVerifier;
import strata.tests.ir.CheckFiles;
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
    @TestFactory
    Stream<DynamicNode> kernelCheckFiles() throws IOException, URISyntaxException {
        return CheckFiles.of(KernelCheckTest.class, "kernel", ".kir", (words, body, first) -> {
            String mode = String.join(" ", words);
            if (!mode.equals("verify") && !mode.equals("roundtrip"))
                throw new IllegalStateException("the first line must be `// RUN: verify` or `// RUN: roundtrip`, not `// RUN: " + mode + "`");
            runCase(mode, body, first);
        });
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
