package strata.compiler.masks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Op;
import strata.compiler.graph.Region;
import strata.compiler.graph.Value;
import strata.compiler.interp.RefTensor;

/**
 * Data for a mask's captured values at a small T, in the stated range ({@link MaskData#domain}):
 * every assignment when there are at most {@link #LIMIT}, else that many drawn with a fixed seed.
 * One sample (B = 1); other size symbols are T. This is where a counterexample is looked for
 * when the symbolic argument cannot decide.
 */
public final class DataSearch {
    public static final int LIMIT = 4096;

    private DataSearch() {}

    /** The values a region reads from outside itself, in order of first use. */
    public static List<Value> captured(Region r) {
        Set<Value> defined = new LinkedHashSet<>(r.args());
        Set<Value> out = new LinkedHashSet<>();
        for (Op op : r.ops()) {
            for (Value v : op.operands()) if (!defined.contains(v)) out.add(v);
            defined.add(op.result());
        }
        return new ArrayList<>(out);
    }

    /** The shape of a captured value at this T: B is 1, every other symbol is T. */
    public static long[] shapeAt(Value v, long t) {
        long[] s = new long[v.type().rank()];
        for (int i = 0; i < s.length; i++) {
            Dim d = v.type().dim(i);
            Map<String, Long> env = new LinkedHashMap<>();
            for (String sym : d.symbols()) env.put(sym, sym.equals("B") ? 1L : t);
            s[i] = d.eval(env);
        }
        return s;
    }

    /** The data sets to try at this T. */
    public static List<MaskData.Given> all(Region r, long t) {
        List<Value> vs = captured(r);
        List<long[]> shapes = new ArrayList<>();
        int cells = 0;
        for (Value v : vs) {
            long[] s = shapeAt(v, t);
            shapes.add(s);
            long n = 1;
            for (long x : s) n *= x;
            cells += (int) n;
        }
        double[][] choices = new double[cells][];
        int c = 0;
        for (Value v : vs) {
            long n = 1;
            for (long x : shapeAt(v, t)) n *= x;
            for (int i = 0; i < n; i++) choices[c++] = values(v.type().dtype(), t);
        }
        double total = 1;
        for (double[] ch : choices) total *= ch.length;
        List<MaskData.Given> out = new ArrayList<>();
        Random rnd = new Random(t * 7919 + cells);
        int count = (int) Math.min(total, LIMIT);
        for (int n = 0; n < count; n++) {
            double[] flat = new double[cells];
            long code = n;
            for (int i = 0; i < cells; i++) {
                int m = choices[i].length;
                flat[i] = choices[i][total <= LIMIT ? (int) (code % m) : rnd.nextInt(m)];
                code /= m;
            }
            Map<Value, RefTensor> data = new LinkedHashMap<>();
            int at = 0;
            for (int i = 0; i < vs.size(); i++) {
                long[] s = shapes.get(i);
                int len = 1;
                for (long x : s) len *= (int) x;
                double[] part = java.util.Arrays.copyOfRange(flat, at, at + len);
                at += len;
                data.put(vs.get(i), RefTensor.of(vs.get(i).type().dtype(), s, part));
            }
            out.add(new MaskData.Given(data));
        }
        return out;
    }

    private static double[] values(DType d, long t) {
        if (d == DType.BOOL) return new double[] {0, 1};
        if (d.isInteger()) {
            double[] v = new double[(int) t + 1];
            for (int i = 0; i <= t; i++) v[i] = i;
            return v;
        }
        return new double[] {-1, 0, 1};
    }

    /** The data, described for a person: {@code len = [0]}, with names where they are known. */
    public static String describe(MaskData.Given data, Map<Value, String> names) {
        List<String> parts = new ArrayList<>();
        for (var e : data.tensors().entrySet()) {
            RefTensor t = e.getValue();
            StringBuilder sb = new StringBuilder(names.getOrDefault(e.getKey(), "%" + e.getKey().id())).append(" = ");
            sb.append(flat(t));
            parts.add(sb.toString());
        }
        return String.join(", ", parts);
    }

    private static String flat(RefTensor t) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < t.size(); i++) {
            if (i > 0) sb.append(", ");
            double v = t.at(i);
            sb.append(t.dtype() == DType.BOOL ? (v != 0 ? "true" : "false") : v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v));
        }
        return sb.append(']').toString();
    }
}
