package strata.tests.ir;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FileCheckTest {
    private static final String OUTPUT = """
            graph @g() {
              %0 = input {name = "x"} : f32[4]
              %1 = exp %0 : f32[4]
              %2 = add %1, %0 : f32[4]
              return %2
            }
            graph @h() {
              %0 = input {name = "y"} : f32[4]
              return %0
            }
            """;

    private static void check(String... checkLines) {
        FileCheck.check(FileCheck.directives(List.of(checkLines), 1), OUTPUT);
    }

    private static void fails(String... checkLines) {
        assertThrows(AssertionError.class, () -> check(checkLines));
    }

    @Test
    void capturedValuesMustBeUsedConsistently() {
        check("// CHECK: [[X:%[0-9]+]] = input", "// CHECK: [[E:%[0-9]+]] = exp [[X]]", "// CHECK-NEXT: add [[E]], [[X]]");
        fails("// CHECK: [[X:%[0-9]+]] = input", "// CHECK: [[E:%[0-9]+]] = exp [[X]]", "// CHECK-NEXT: add [[X]], [[E]]");
    }

    @Test
    void checksMatchInOrder() {
        check("// CHECK: exp", "// CHECK: add");
        fails("// CHECK: add", "// CHECK: exp");
        fails("// CHECK: sqrt");
    }

    @Test
    void checkNextMeansTheVeryNextLine() {
        check("// CHECK: input", "// CHECK-NEXT: exp");
        fails("// CHECK: input", "// CHECK-NEXT: add");
    }

    @Test
    void checkNotForbidsTextBetweenItsNeighbours() {
        check("// CHECK: input", "// CHECK-NOT: add", "// CHECK: exp");
        fails("// CHECK: input", "// CHECK-NOT: exp", "// CHECK: add");
        fails("// CHECK: exp", "// CHECK-NOT: return");
    }

    @Test
    void labelsConfineTheChecksBetweenThem() {
        check("// CHECK-LABEL: graph @g", "// CHECK: exp", "// CHECK-LABEL: graph @h", "// CHECK-NOT: exp");
        fails("// CHECK-LABEL: graph @g", "// CHECK: name = \"y\"", "// CHECK-LABEL: graph @h");
    }

    @Test
    void regexBlocksAndBlankRunsMatchFlexibly() {
        check("// CHECK: exp {{%[0-9]+}} :   f32[{{[0-9]+}}]");
        fails("// CHECK: exp {{%[a-z]+}}");
    }

    @Test
    void undefinedVariableIsReported() {
        AssertionError e = assertThrows(AssertionError.class, () -> check("// CHECK: [[NOPE]]"));
        assertTrue(e.getMessage().contains("undefined variable [[NOPE]]"), e.getMessage());
    }
}
