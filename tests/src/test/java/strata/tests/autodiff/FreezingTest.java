package strata.tests.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import strata.compiler.autodiff.Gradients;
import strata.compiler.graph.Attr;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Value;
import strata.compiler.graph.Verifier;
import strata.tests.ModelFiles;

/** Dead-gradient elimination: a frozen parameter's gradient, and every op that only served it, is gone. */
class FreezingTest {
    /** loss = sum(tanh(x w1) w2): both trainable need 5 matmuls (2 forward, dW2, dh, dW1); w1 frozen needs 3 and no tanh derivative. */
    @Test
    void freezingTheFirstLayerRemovesItsBackwardChain() {
        GraphBuilder b = new GraphBuilder("mlp");
        Value x = b.input("x", GradientCheck.f32(2, 3));
        Value w1 = b.param("w1", GradientCheck.f32(3, 4)), w2 = b.param("w2", GradientCheck.f32(4, 1));
        Value h = b.op(OpKind.TANH, b.op(OpKind.MATMUL, x, w1));
        Value y = b.op(OpKind.MATMUL, h, w2);
        Value loss = b.op(OpKind.SUM, List.of(y), Map.of("axes", new Attr.Ints(List.of(0L, 1L))));
        Graph g = b.build(List.of(loss));
        Graph all = Gradients.append(g, loss).graph();
        Gradients.Result frozen = Gradients.append(g, loss, name -> !name.equals("w1"));
        assertEquals(List.of(), Verifier.verify(frozen.graph()));
        assertEquals(5, all.opsOf(OpKind.MATMUL).size());
        assertEquals(3, frozen.graph().opsOf(OpKind.MATMUL).size());
        assertEquals(Set.of("w2"), frozen.gradients().keySet());
        // the tanh derivative 1 - y^2 multiplies y by itself; the frozen graph squares nothing
        assertTrue(frozen.graph().opsOf(OpKind.MUL).stream().noneMatch(o -> o.operands().get(0).equals(h) && o.operands().get(1).equals(h)));
        assertFalse(all.opsOf(OpKind.MUL).stream().noneMatch(o -> o.operands().get(0).equals(h) && o.operands().get(1).equals(h)));
    }

    /**
     * GPT-2 tiny with only the parameters first used after its last attention trainable: no
     * attention_grad is made, and every op of the gradient graph reaches an output.
     */
    @Test
    void aModelTrainedOnlyAboveItsAttentionComputesNoAttentionGradient() {
        Graph g = ModelFiles.build(ModelFiles.models().resolve("gpt2.strata"), "tiny", Map.of()).graph();
        Graph lg = GradientCheck.linearLoss(g, g.outputs().stream().filter(v -> v.type().dtype().isFloat()).toList());
        int lastAttention = -1;
        for (int i = 0; i < lg.ops().size(); i++) if (lg.ops().get(i).kind() == OpKind.ATTENTION) lastAttention = i;
        Set<String> usedEarly = new HashSet<>();
        for (Op op : lg.ops().subList(0, lastAttention + 1))
            for (Value v : op.operands())
                for (Op p : lg.params()) if (p.result().equals(v)) usedEarly.add(p.strAttr("name", ""));
        Gradients.Result head = Gradients.append(lg, lg.outputs().getFirst(), name -> !usedEarly.contains(name));
        assertFalse(head.gradients().isEmpty(), "some parameter is used only after the last attention");
        assertTrue(head.graph().opsOf(OpKind.ATTENTION_GRAD).isEmpty(), "no attention gradient for a frozen trunk");
        assertFalse(Gradients.append(lg, lg.outputs().getFirst()).graph().opsOf(OpKind.ATTENTION_GRAD).isEmpty());
        Set<Integer> live = new HashSet<>();
        head.graph().outputs().forEach(v -> live.add(v.id()));
        for (Op op : head.graph().ops().reversed())
            if (live.contains(op.result().id())) op.operands().forEach(v -> live.add(v.id()));
            else assertTrue(op.kind() == OpKind.PARAM || op.kind() == OpKind.INPUT, "dead op left: " + op);
    }
}
