package strata.compiler.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.List;
import org.junit.jupiter.api.Test;

class GraphTextTest {
    private static final String GPT2_SLICE = """
            graph @gpt2(B, T) {
              %0 = input {name = "tokens"} : i32[B, T]
              %1 = input {name = "prefix"} : i32[B]
              %2 = param {name = "wte.weight"} : f32[64, 32]
              %3 = gather %2, %0 {axis = 0} : f32[B, T, 32]
              %4 = reshape %3 : f32[B, T, 2, 16]
              %5 = permute %4 {perm = [0, 2, 1, 3]} : f32[B, 2, T, 16]
              %6 = attention %5, %5, %5 {scale = 0.125} : f32[B, 2, T, 16]
                mask (%7: i64[], %8: i64[], %9: i64[], %10: i64[]) {
                  %11 = le %10, %9 : bool[]
                  %12 = gather %1, %7 {axis = 0} : i32[]
                  %13 = cast %12 : i64[]
                  %14 = lt %10, %13 : bool[]
                  %15 = or %11, %14 : bool[]
                  yield %15
                }
                score (%16: i64[], %17: i64[], %18: i64[], %19: i64[], %20: f32[]) {
                  %21 = tanh %20 : f32[]
                  yield %21
                }
              %22 = slice %3 {axis = 1, end = #dim<T - 1>, start = 0} : f32[B, T - 1, 32]
              %23 = layer_norm %22 {eps = 1.0e-5} : f32[B, T - 1, 32]
              return %6, %23
            }
            """;

    @Test
    void handWrittenGraphPrintsBackVerbatim() {
        Graph g = GraphParser.parse(GPT2_SLICE);
        assertEquals(GPT2_SLICE, GraphPrinter.print(g));
        assertEquals(List.of(), Verifier.verify(g));
    }

    @Test
    void printedGraphParsesBackToTheSameText() {
        qt().withExamples(1000).forAll(longs().all()).checkAssert(seed -> {
            String text = GraphPrinter.print(RandomGraphs.generate(seed));
            assertEquals(text, GraphPrinter.print(GraphParser.parse(text)));
        });
    }

    @Test
    void generatedAndReparsedGraphsAreWellFormed() {
        qt().withExamples(1000).forAll(longs().all()).checkAssert(seed -> {
            Graph g = RandomGraphs.generate(seed);
            assertEquals(List.of(), Verifier.verify(g), () -> GraphPrinter.print(g));
            assertEquals(List.of(), Verifier.verify(GraphParser.parse(GraphPrinter.print(g))));
        });
    }

    @Test
    void valueNamesAreFreeButPrintRenumbered() {
        Graph g = GraphParser.parse("""
                graph @g() {
                  %x = input {name = "x"} : f32[4]
                  %y = exp %x : ?
                  return %y
                }
                """);
        assertEquals("""
                graph @g() {
                  %0 = input {name = "x"} : f32[4]
                  %1 = exp %0 : f32[4]
                  return %1
                }
                """, GraphPrinter.print(g));
    }

    @Test
    void stringsAndNamesWithOddCharactersRoundTrip() {
        String text = """
                graph @gpt2-small.v1() {
                  %0 = input {name = "a \\"quoted\\" \\\\ name\\n"} : f32[]
                  return %0
                }
                """;
        Graph g = GraphParser.parse(text);
        assertEquals("a \"quoted\" \\ name\n", g.ops().getFirst().strAttr("name", ""));
        assertEquals(text, GraphPrinter.print(g));
    }

    @Test
    void doublesSurviveTheRoundTripExactly() {
        qt().withExamples(1000).forAll(longs().all()).checkAssert(bits -> {
            double d = Double.longBitsToDouble(bits);
            String text = "graph @g() {\n  %0 = const {value = " + new Attr.Float(d) + "} : f32[]\n  return %0\n}\n";
            Attr back = GraphParser.parse(text).ops().getFirst().attrs().get("value");
            assertEquals(Double.doubleToLongBits(d), Double.doubleToLongBits(((Attr.Float) back).value()), text);
        });
    }
}
