package strata.compiler.interp;

import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Op;

/** The source ops that make values from attributes alone: const, iota and random. */
final class Sources {
    private Sources() {}

    /** A fill with the {@code value} attribute (a bool attribute fills with 1 or 0). */
    static RefTensor constant(Op op, long[] shape) {
        double v = op.attrs().get("value") instanceof Attr.Bool b ? (b.value() ? 1 : 0) : op.floatAttr("value", 0.0);
        return RefTensor.full(op.type().dtype(), v, shape);
    }

    /** Each element is its index along the {@code axis} attribute. */
    static RefTensor iota(Op op, long[] shape) {
        int axis = Layout.axis(op.intAttr("axis", 0), shape.length);
        int n = (int) shape[axis], inner = Layout.extent(shape, axis + 1, shape.length);
        double[] r = new double[Layout.size(shape)];
        for (int p = 0; p < r.length; p++) r[p] = (p / inner) % n;
        return RefTensor.wrap(op.type().dtype(), shape, r);
    }

    /**
     * Counter-based random values: element i is {@link CounterRandom#uniform} (dist "uniform", the
     * default, on [0, 1)) or {@link CounterRandom#normal} (dist "normal") of (seed, i). An integer
     * or bool result holds the cast of that float (rarely useful: cast a float result instead).
     */
    static RefTensor random(Op op, long[] shape) {
        long seed = op.intAttr("seed", 0);
        String dist = op.strAttr("dist", "uniform");
        double[] r = new double[Layout.size(shape)];
        for (int i = 0; i < r.length; i++)
            r[i] = switch (dist) {
                case "uniform" -> CounterRandom.uniform(seed, i);
                case "normal" -> CounterRandom.normal(seed, i);
                default -> throw new IllegalArgumentException("random: unknown distribution `" + dist + "` (expected uniform or normal)");
            };
        DType t = op.type().dtype();
        if (!t.isFloat()) for (int i = 0; i < r.length; i++) r[i] = Cast.convert(r[i], DType.F32, t);
        return RefTensor.wrap(t, shape, r);
    }
}
