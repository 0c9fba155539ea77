package strata.compiler.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The type of a graph value: an element type and a shape of symbolic dims ({@code f32[B, T, 768]}). */
public record TensorType(DType dtype, List<Dim> shape) {

    public TensorType {
        shape = List.copyOf(shape);
    }

    public static TensorType of(DType dtype, long... dims) {
        List<Dim> s = new ArrayList<>();
        for (long d : dims) s.add(Dim.of(d));
        return new TensorType(dtype, s);
    }

    public static TensorType scalar(DType dtype) { return new TensorType(dtype, List.of()); }

    public int rank() { return shape.size(); }

    public Dim dim(int axis) { return shape.get(axis < 0 ? axis + shape.size() : axis); }

    public TensorType withDtype(DType d) { return new TensorType(d, shape); }

    public TensorType withShape(List<Dim> s) { return new TensorType(dtype, s); }

    /** Number of elements, symbolically. */
    public Dim numel() {
        Dim n = Dim.of(1);
        for (Dim d : shape) n = n.times(d);
        return n;
    }

    public boolean isConcrete() { return shape.stream().allMatch(Dim::isConstant); }

    public long[] concreteShape(Map<String, Long> env) {
        long[] out = new long[shape.size()];
        for (int i = 0; i < out.length; i++) out[i] = shape.get(i).eval(env);
        return out;
    }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder(dtype.mnemonic()).append('[');
        for (int i = 0; i < shape.size(); i++) {
            if (i > 0) sb.append(", ");
            sb.append(shape.get(i));
        }
        return sb.append(']').toString();
    }
}
