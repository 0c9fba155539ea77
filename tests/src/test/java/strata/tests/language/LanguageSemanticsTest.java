package strata.tests.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.tests.ModelFiles;

/** What programs mean: checked by running them in the reference interpreter against hand values. */
class LanguageSemanticsTest {
    private static final String SCALED = """
            module Scaled(k: float) { forward(x) = x * k }
            module Half extends Scaled(0.5) {}
            module Scale2(k: float) extends Scaled(2.0 * k) {}
            """;

    private static double run(String text, double x) {
        var b = ModelFiles.buildText("m.strata", text, null);
        assertFalse(b.diagnostics().hasErrors(), b.rendered());
        List<RefTensor> out = new Interpreter().run(b.graph(), Map.of("x", RefTensor.of(new long[] {1, 1}, x)), Map.of());
        return out.getFirst().item();
    }

    @Test
    void argumentsAfterTheParentFixTheParentsParameters() {
        assertEquals(1.5, run(SCALED + "model M { input x: f32[B, 1]\n h = Half()\n forward { return h(x) } }", 3.0));
        assertEquals(12.0, run(SCALED + "model M { input x: f32[B, 1]\n h = Scale2(2.0)\n forward { return h(x) } }", 3.0));
    }

    @Test
    void aFunctionIsAValueOfTypeFn() {
        String text = "module Apply(f: fn) { forward(x) = f(x) }\nmodel M { input x: f32[B, 1]\n a = Apply(tanh)\n forward { return a(x) } }";
        assertEquals(Math.tanh(0.3), run(text, 0.3), 1e-12);
    }

    @Test
    void anInputsSizesAreNamesInTheForward() {
        String text = "model M { input x: f32[B, T]\n forward { return x + cast(arange(T), f32) } }";
        var b = ModelFiles.buildText("m.strata", text, null);
        assertFalse(b.diagnostics().hasErrors(), b.rendered());
        RefTensor out = new Interpreter().run(b.graph(), Map.of("x", RefTensor.of(new long[] {1, 3}, 10, 10, 10)), Map.of()).getFirst();
        assertEquals(List.of(10.0, 11.0, 12.0), java.util.Arrays.stream(out.toArray()).boxed().toList());
    }

    @Test
    void setValuesAreCheckedAgainstTheHyperparametersType() {
        var b = ModelFiles.build(ModelFiles.models().resolve("gpt2.strata"), "tiny", Map.of("layers", "1.5"));
        assertTrue(b.diagnostics().hasErrors());
        assertTrue(b.rendered().contains("expected an integer") || b.rendered().contains("must be an int"), b.rendered());
    }
}
