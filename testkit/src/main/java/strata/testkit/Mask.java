package strata.testkit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.Region;
import strata.compiler.graph.Value;
import strata.compiler.interp.RefTensor;
import strata.compiler.masks.DataSearch;
import strata.compiler.masks.MaskData;
import strata.compiler.masks.RegionEval;

/**
 * An attention mask as the analysis sees it: its region over (b, h, q, k), the number of heads
 * it is checked for, whether queries and keys run over the same positions, and the per-sample
 * data it reads, by name ({@code len}, {@code seg}). {@link #at} fixes a length and the data.
 */
public record Mask(String name, Region region, long heads, boolean selfAttention, Map<String, Value> data) {
    /** A mask of this region whose captured values are named as in {@code names} (else {@code %id}). */
    static Mask of(String name, Region r, long heads, boolean self, Map<Value, String> names) {
        Map<String, Value> data = new LinkedHashMap<>();
        for (Value v : DataSearch.captured(r)) data.put(names.getOrDefault(v, "%" + v.id()), v);
        return new Mask(name, r, heads, self, data);
    }

    public boolean readsData() { return !data.isEmpty(); }

    /** The mask at length T, for a mask that reads no data. */
    public At at(long t) { return at(t, Map.of()); }

    /**
     * The mask at length T over the given data, one tensor per data name; B is their first axis
     * (1 when the mask reads no data).
     */
    public At at(long t, Map<String, RefTensor> given) {
        Map<Value, RefTensor> tensors = new LinkedHashMap<>();
        long batch = -1;
        for (var e : data.entrySet()) {
            RefTensor x = given.get(e.getKey());
            if (x == null)
                throw new IllegalArgumentException("mask `" + name + "` reads `" + e.getKey() + ": " + e.getValue().type()
                        + "`; give it, e.g. mask.at(T, Map.of(\"" + e.getKey() + "\", MaskInputs.lengths(...))), or draw it with Generators.instances");
            if (batch >= 0 && x.dim(0) != batch) throw new IllegalArgumentException("the data of mask `" + name + "` disagree on B: " + given);
            batch = x.dim(0);
            tensors.put(e.getValue(), x);
        }
        for (String k : given.keySet())
            if (!data.containsKey(k)) throw new IllegalArgumentException("mask `" + name + "` reads no data `" + k + "`; it reads " + data.keySet());
        return new At(this, t, Math.max(batch, 1), new MaskData.Given(tensors));
    }

    /** The mask at one length and one data set: what dense evaluation and the tile map need. */
    public record At(Mask mask, long t, long batch, MaskData.Given data) {
        public boolean visible(long b, long h, long q, long k) { return eval().visible(b, h, q, k); }

        public RegionEval eval() { return new RegionEval(mask.region(), data); }

        /** The data by name, for messages: {@code len = [3, 0]}. */
        public String describeData() {
            return data.tensors().isEmpty() ? "no data" : DataSearch.describe(data, names());
        }

        Map<Value, String> names() {
            Map<Value, String> out = new LinkedHashMap<>();
            mask.data().forEach((n, v) -> out.put(v, n));
            return out;
        }

        /** The visible cells of (b, h) as rows of '#' (visible) and '.' (hidden). */
        public String grid(long b, long h) {
            RegionEval e = eval();
            StringBuilder sb = new StringBuilder();
            for (long q = 0; q < t; q++) {
                char[] row = new char[(int) t];
                for (long k = 0; k < t; k++) row[(int) k] = e.visible(b, h, q, k) ? '#' : '.';
                sb.append(row).append('\n');
            }
            return sb.toString();
        }

        @Override public String toString() {
            return mask.name() + " at T = " + t + (data.tensors().isEmpty() ? "" : " with " + describeData());
        }
    }

    /** Every data set the analysis tries at this T (all of them when few, else drawn), as instances. */
    public List<At> everyDataAt(long t) {
        return DataSearch.all(region, t).stream().map(g -> new At(this, t, 1, g)).toList();
    }

    @Override public String toString() { return name + (data.isEmpty() ? "" : " reading " + data.keySet()); }
}
