package strata.tests.models;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import strata.compiler.graph.Graph;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;
import strata.runtime.KernelPool;
import strata.tests.ModelFiles;
import strata.tests.backend.Compiled;

/**
 * Acceptance: the whole forward pass of every model's tiny preset, compiled for the CPU, equals
 * the reference interpreter on the same random parameters and inputs (the ranges of
 * {@link TinyForwardTest}) to 1e-4 absolute and relative.
 */
class CompiledModelTest {
    private static final KernelPool POOL = new KernelPool(2);

    @AfterAll
    static void close() { POOL.close(); }

    static List<String> files() { return ModelFiles.modelFiles(); }

    @ParameterizedTest
    @MethodSource("files")
    void tinyPresetCompiledForwardEqualsTheInterpreter(String file) {
        var b = ModelFiles.build(ModelFiles.models().resolve(file), "tiny", Map.of());
        assertFalse(b.diagnostics().hasErrors(), b.rendered());
        Graph g = b.graph();
        Map<String, RefTensor> inputs = ModelFiles.randomInputs(g, TinyForwardTest.SYMBOLS, TinyForwardTest::range, 1);
        Map<String, RefTensor> params = ModelFiles.randomParams(g, 2);
        List<RefTensor> want = new Interpreter().run(g, inputs, params);
        Compiled.assertMatches(g, inputs, params, want, 1e-4, 1e-4, POOL);
    }
}
