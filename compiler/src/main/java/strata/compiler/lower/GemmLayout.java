package strata.compiler.lower;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;

/**
 * Puts matrix products in the layout the tuned GEMM runs: C = A^T B with 2-D A and B (a weight's
 * gradient, X^T dY over all rows of a batch) becomes C = permute(A) B. The transpose is one copy
 * of A, cheap next to the product, whose contraction runs over every row of the batch; the GEMM
 * packs its operands anyway.
 */
final class GemmLayout {
    private GemmLayout() {}

    static Graph run(Graph g) {
        int next = g.maxId() + 1;
        List<Op> out = new ArrayList<>();
        boolean changed = false;
        for (Op op : g.ops()) {
            Value a = op.kind() == OpKind.MATMUL ? op.operands().get(0) : null;
            if (a == null || !op.boolAttr("transpose_a", false) || a.type().rank() != 2 || op.operands().get(1).type().rank() != 2
                    || op.type().dtype() != DType.F32) {
                out.add(op);
                continue;
            }
            Value at = new Value(next++, new TensorType(a.type().dtype(), List.of(a.type().dim(1), a.type().dim(0))));
            out.add(new Op(at, OpKind.PERMUTE, List.of(a), Map.of("perm", new Attr.Ints(List.of(1L, 0L))), List.of()));
            Map<String, Attr> attrs = new HashMap<>(op.attrs());
            attrs.put("transpose_a", new Attr.Bool(false));
            out.add(new Op(op.result(), OpKind.MATMUL, List.of(at, op.operands().get(1)), attrs, op.regions()));
            changed = true;
        }
        return changed ? new Graph(g.name(), g.symbols(), out, g.outputs()) : g;
    }
}
