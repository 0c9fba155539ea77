package strata.compiler.interp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import strata.compiler.graph.Attr;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;

/** Runs one op of the graph dialect on concrete tensors through the interpreter, and makes random tensors. */
final class SingleOp {
    private SingleOp() {}

    static RefTensor run(OpKind kind, Map<String, Attr> attrs, RefTensor... operands) {
        return run(kind, attrs, null, operands);
    }

    static RefTensor run(OpKind kind, Map<String, Attr> attrs, TensorType declared, RefTensor... operands) {
        GraphBuilder b = new GraphBuilder(kind.mnemonic());
        List<Value> in = new ArrayList<>();
        Map<String, RefTensor> inputs = new HashMap<>();
        for (int i = 0; i < operands.length; i++) {
            in.add(b.input("x" + i, TensorType.of(operands[i].dtype(), operands[i].shape())));
            inputs.put("x" + i, operands[i]);
        }
        Value r = b.op(kind, in, attrs, declared, List.of());
        Graph g = b.build(List.of(r));
        return new Interpreter().run(g, inputs, Map.of()).getFirst();
    }

    static Map<String, Attr> attrs(Object... kv) {
        Map<String, Attr> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            Object v = kv[i + 1];
            Attr a = switch (v) {
                case Attr x -> x;
                case Integer x -> new Attr.Int(x);
                case Long x -> new Attr.Int(x);
                case Double x -> new Attr.Float(x);
                case Boolean x -> new Attr.Bool(x);
                case String x -> new Attr.Str(x);
                case long[] x -> new Attr.Ints(java.util.Arrays.stream(x).boxed().toList());
                default -> throw new IllegalArgumentException(v.toString());
            };
            m.put((String) kv[i], a);
        }
        return m;
    }

    static long[] shape(long... dims) { return dims; }

    /** A float tensor of standard normal values. */
    static RefTensor randn(Random rnd, long... shape) {
        double[] d = new double[(int) RefTensor.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = rnd.nextGaussian();
        return RefTensor.of(shape, d);
    }

    static RefTensor ints(long[] shape, double... values) { return RefTensor.of(strata.compiler.graph.DType.I64, shape, values); }
}
