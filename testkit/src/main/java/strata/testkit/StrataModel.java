package strata.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.front.Elaborator;
import strata.compiler.front.Val;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;

/** An elaborated model: its graph, its hyperparameters and the masks of its attention ops. */
public record StrataModel(String source, String preset, Map<String, String> sets, Elaborator.Result result) {
    public Graph graph() { return result.graph(); }

    public String name() { return result.model(); }

    /** The hyperparameters after the preset and the --set values, by name. */
    public Map<String, Val> hypers() { return result.hypers(); }

    /** An integer hyperparameter, or {@code dflt} when the model has no integer of that name. */
    public long hyper(String name, long dflt) {
        return hypers().get(name) instanceof Val.Int i ? i.value() : dflt;
    }

    /** How this model was built, for messages: {@code gpt2.strata --preset tiny --set {d=8}}. */
    public String describe() {
        return source + (preset == null ? "" : " --preset " + preset) + (sets.isEmpty() ? "" : " --set " + sets);
    }

    /**
     * The masks of the model's attention ops, one per distinct region, in graph order. Each is
     * named {@code Model.attention#i}; its data is named by the model inputs it reads.
     */
    public List<Mask> masks() {
        Map<Value, String> inputs = new LinkedHashMap<>();
        for (Op in : graph().inputs()) inputs.put(in.result(), in.strAttr("name", "%" + in.result().id()));
        List<Mask> out = new ArrayList<>();
        List<Region> seen = new ArrayList<>();
        int i = 0;
        for (Op op : graph().opsOf(OpKind.ATTENTION)) {
            i++;
            if (op.region("mask").isEmpty() || seen.contains(op.region("mask").get())) continue;
            Region r = op.region("mask").get();
            seen.add(r);
            TensorType q = op.operands().get(0).type(), k = op.operands().get(1).type();
            long heads = q.dim(1).isConstant() ? q.dim(1).value() : 1;
            out.add(Mask.of(name() + ".attention#" + i, r, heads, q.dim(2).equals(k.dim(2)), inputs));
        }
        return out;
    }
}
