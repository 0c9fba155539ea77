package strata.tests.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.passes.PassManager;
import strata.compiler.interp.RefTensor;
import strata.runtime.CpuExecutable;
import strata.runtime.KernelPool;
import strata.runtime.Tensor;
import strata.tests.ModelFiles;

/** Temporaries share one arena by liveness, and a second run in the reused arena gives the same result. */
class MemoryPlanTest {
    @Test
    void gpt2TemporariesFitInLessThanHalfTheirSumAndRerunsAgree() {
        var b = ModelFiles.build(ModelFiles.models().resolve("gpt2.strata"), "tiny", Map.of());
        Graph g = PassManager.parse("default").run(b.graph());
        Map<String, Long> sizes = Map.of("B", 2L, "T", 8L);
        long sum = 0;
        for (Op op : g.ops()) if (op.kind() != strata.compiler.graph.OpKind.PARAM && op.kind() != strata.compiler.graph.OpKind.INPUT)
            sum += op.type().numel().eval(sizes) * op.type().dtype().bytes();
        try (KernelPool pool = new KernelPool(2); CpuExecutable exe = CpuExecutable.compile(g, pool); Arena a = Arena.ofConfined()) {
            Map<String, Tensor> in = new HashMap<>(), par = new HashMap<>();
            ModelFiles.randomInputs(g, sizes, 16, 3).forEach((k, v) -> in.put(k, Tensor.of(a, v)));
            ModelFiles.randomParams(g, 4).forEach((k, v) -> par.put(k, Tensor.of(a, v)));
            List<Tensor> first = exe.run(a, in, par);
            List<Tensor> second = exe.run(a, in, par);
            RefTensor x = first.getFirst().toRef(), y = second.getFirst().toRef();
            assertArrayEquals(x.toArray(), y.toArray(), 0.0);
            assertTrue(exe.peakBytes() > 0 && exe.peakBytes() < sum / 2, "peak " + exe.peakBytes() + " of " + sum + " bytes of temporaries");
        }
    }
}
