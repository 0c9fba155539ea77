package strata.compiler.masks;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Op;
import strata.compiler.graph.Region;
import strata.compiler.graph.Value;
import strata.compiler.interp.RefTensor;

/**
 * Runs a mask region on one cell with given data, with the reference interpreter's arithmetic
 * (integer division and modulo floor, comparisons give 0 or 1) but on plain doubles, so that a
 * dense T x T evaluation stays cheap. Every read of data is bounds-checked
 * ({@link MaskReadOutOfRange}); the region is never run outside 0 <= q, k < T.
 */
public final class RegionEval {
    private final Region region;
    private final MaskData.Given data;
    private final Map<Value, Integer> slot = new HashMap<>();
    private final double[] num;
    private final Object[] part;  // the steps of a multi-axis read: {tensor, long[] index with -1 free}

    public RegionEval(Region region, MaskData.Given data) {
        this.region = region;
        this.data = data;
        int n = 0;
        for (Value a : region.args()) slot.put(a, n++);
        for (Op op : region.ops()) slot.put(op.result(), n++);
        num = new double[n];
        part = new Object[n];
    }

    /** Whether q sees k, for sample b and head h. */
    public boolean visible(long b, long h, long q, long k) {
        return valueOf(region.yield(), b, h, q, k) != 0;
    }

    /** The number a value of the region (an argument or an op's scalar result) takes at (b, h, q, k); a bool is 0 or 1. */
    public double valueOf(Value v, long b, long h, long q, long k) {
        num[0] = b;
        num[1] = h;
        num[2] = q;
        num[3] = k;
        for (Op op : region.ops()) {
            int r = slot.get(op.result());
            if (op.kind() == strata.compiler.graph.OpKind.GATHER) gather(op, r);
            else num[r] = compute(op);
        }
        Integer s = slot.get(v);
        return s != null ? num[s] : data.of(v).item();
    }

    private double in(Op op, int i) {
        Value v = op.operands().get(i);
        Integer s = slot.get(v);
        return s != null ? num[s] : data.of(v).item();
    }

    private double compute(Op op) {
        DType t = op.type().dtype();
        boolean integer = t.isInteger();
        List<Value> o = op.operands();
        return switch (op.kind()) {
            case CONST -> op.attrs().get("value") instanceof Attr.Bool b ? (b.value() ? 1 : 0) : op.floatAttr("value", 0);
            case NEG -> -in(op, 0);
            case ABS -> Math.abs(in(op, 0));
            case NOT -> in(op, 0) != 0 ? 0 : 1;
            case TANH -> Math.tanh(in(op, 0));
            case EXP -> Math.exp(in(op, 0));
            case LOG -> Math.log(in(op, 0));
            case CAST -> t == DType.BOOL ? (in(op, 0) != 0 ? 1 : 0) : integer ? (double) (long) in(op, 0) : in(op, 0);
            case ADD -> in(op, 0) + in(op, 1);
            case SUB -> in(op, 0) - in(op, 1);
            case MUL -> in(op, 0) * in(op, 1);
            case DIV -> integer ? Math.floorDiv((long) in(op, 0), (long) in(op, 1)) : in(op, 0) / in(op, 1);
            case MOD -> integer ? Math.floorMod((long) in(op, 0), (long) in(op, 1)) : in(op, 0) - in(op, 1) * Math.floor(in(op, 0) / in(op, 1));
            case MIN -> Math.min(in(op, 0), in(op, 1));
            case MAX -> Math.max(in(op, 0), in(op, 1));
            case POW -> Math.pow(in(op, 0), in(op, 1));
            case EQ -> in(op, 0) == in(op, 1) ? 1 : 0;
            case NE -> in(op, 0) != in(op, 1) ? 1 : 0;
            case LT -> in(op, 0) < in(op, 1) ? 1 : 0;
            case LE -> in(op, 0) <= in(op, 1) ? 1 : 0;
            case GT -> in(op, 0) > in(op, 1) ? 1 : 0;
            case GE -> in(op, 0) >= in(op, 1) ? 1 : 0;
            case AND -> in(op, 0) != 0 && in(op, 1) != 0 ? 1 : 0;
            case OR -> in(op, 0) != 0 || in(op, 1) != 0 ? 1 : 0;
            case SELECT -> in(op, 0) != 0 ? in(op, 1) : in(op, 2);
            default -> throw new UnsupportedOperationException("a mask region cannot use " + op.kind().mnemonic() + " (" + o.size() + " operands)");
        };
    }

    private void gather(Op op, int r) {
        Value table = op.operands().get(0);
        Integer s = slot.get(table);
        RefTensor t;
        long[] idx;
        if (s != null && part[s] instanceof Object[] p) {
            t = (RefTensor) p[0];
            idx = ((long[]) p[1]).clone();
        } else {
            t = data.of(table);
            idx = new long[t.rank()];
            Arrays.fill(idx, -1);
        }
        long[] shape = t.shape();
        int axis = (int) op.intAttr("axis"), free = -1, at = -1;
        for (int i = 0; i < idx.length; i++) if (idx[i] < 0 && ++free == axis) { at = i; break; }
        long i = (long) in(op, 1);
        if (i < 0 || i >= shape[at])
            throw new MaskReadOutOfRange("the mask reads data of shape " + Arrays.toString(shape) + " at index " + i + " of axis " + at);
        idx[at] = i;
        for (long x : idx)
            if (x < 0) {
                part[r] = new Object[] {t, idx};
                return;
            }
        num[r] = t.get(idx);
    }
}
