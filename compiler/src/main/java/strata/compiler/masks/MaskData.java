package strata.compiler.masks;

import java.util.Map;
import strata.compiler.graph.DType;
import strata.compiler.graph.Value;
import strata.compiler.interp.RefTensor;

/**
 * The per-sample data a mask reads (the graph values its region captures): either given, one
 * tensor per captured value, or any data of the stated range. The stated range of mask data is
 * its dtype's: a bool is true or false, an integer (a length, a prefix, a segment id, a rank, an
 * anchor position) lies in [0, T], a float is unbounded.
 */
public sealed interface MaskData {
    record Given(Map<Value, RefTensor> tensors) implements MaskData {
        public RefTensor of(Value v) {
            RefTensor t = tensors.get(v);
            if (t == null) throw new IllegalArgumentException("no data for the captured value %" + v.id() + " : " + v.type());
            return t;
        }
    }

    /** All data in range for sequences of at most {@code t} tokens. */
    record Any(long t) implements MaskData {}

    Given NONE = new Given(Map.of());

    /** The range of one element of data of this dtype. */
    static Interval domain(DType dtype, long t) {
        if (dtype == DType.BOOL) return new Interval(0, 1);
        if (dtype.isInteger()) return new Interval(0, t);
        return Interval.ALL;
    }
}
