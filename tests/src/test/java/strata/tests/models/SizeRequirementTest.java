package strata.tests.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import strata.tests.ModelFiles;

/** Requirements on run-time sizes are kept with the model and decide which inputs it accepts. */
class SizeRequirementTest {
    @Test
    void gpt2AcceptsSequencesUpToItsBlockAndNoLonger() {
        var b = ModelFiles.build(ModelFiles.models().resolve("gpt2.strata"), "tiny", Map.of());
        assertFalse(b.diagnostics().hasErrors(), b.rendered());
        var r = b.result();
        assertEquals(1, r.requirements().size(), r.requirements().toString());
        assertEquals("T <= block", r.requirements().getFirst().text());
        assertTrue(r.broken(Map.of("B", 3L, "T", 16L)).isEmpty());
        var broken = r.broken(Map.of("B", 3L, "T", 17L));
        assertEquals(1, broken.size());
        assertTrue(broken.getFirst().startsWith("requires T <= 16 ("), broken.getFirst());
    }
}
