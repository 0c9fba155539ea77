package strata.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.impl.Constraint;
import strata.compiler.graph.DType;
import strata.compiler.graph.Value;
import strata.compiler.interp.RefTensor;
import strata.compiler.masks.DataSearch;

/**
 * QuickTheories generators for Strata tests: a model's presets, sizes (B, and T up to a block),
 * and per-sample mask data of the kinds the mask library reads. Data for B samples at length T
 * are tensors shaped as the masks declare them: {@code i32[B]}, {@code i32[B, T]}, {@code bool[B, T, T]}.
 */
public final class Generators {
    private Generators() {}

    /** A batch size and a sequence length. */
    public record Sizes(int b, int t) {}

    /** The file's presets, and "" for the written defaults. */
    public static Gen<String> presets(Path model) {
        List<String> all = new ArrayList<>(StrataModels.presets(model));
        all.add("");
        return Generate.pick(all);
    }

    /** B in [1, maxB], T in [1, block]. */
    public static Gen<Sizes> sizes(int maxB, int block) {
        return Generate.range(1, maxB).zip(Generate.range(1, block), Sizes::new);
    }

    /** B = 1 and T in [1, block], with the given lengths (primes, edges) picked as often as a random one. */
    public static Gen<Sizes> lengths(int block, List<Integer> favourites) {
        return Generate.pick(favourites).mix(Generate.range(1, block)).map(t -> new Sizes(1, t));
    }

    /** Per-sample lengths in [1, T] (padding: every sample keeps at least one token). */
    public static Gen<RefTensor> lengths(int b, int t) { return ints(new long[] {b}, 1, t); }

    /** Per-sample prefix lengths in [0, T] (prefix-LM, GLM Part A; 0 is causal). */
    public static Gen<RefTensor> prefixes(int b, int t) { return ints(new long[] {b}, 0, t); }

    /** Segment (document) ids per token: non-decreasing from 0, a new segment with chance 1 / 4. */
    public static Gen<RefTensor> segmentIds(int b, int t) {
        return rs -> {
            double[] v = new double[b * t];
            for (int s = 0; s < b; s++)
                for (int i = 1; i < t; i++) v[s * t + i] = v[s * t + i - 1] + (rs.next(Constraint.between(0, 3)) == 0 ? 1 : 0);
            return RefTensor.of(DType.I32, new long[] {b, t}, v);
        };
    }

    /** Each sample's rank of every token in a random factorization order: a permutation of [0, T). */
    public static Gen<RefTensor> ranks(int b, int t) {
        return rs -> {
            double[] v = new double[b * t];
            for (int s = 0; s < b; s++) {
                for (int i = 0; i < t; i++) v[s * t + i] = i;
                for (int i = t - 1; i > 0; i--) {  // Fisher-Yates
                    int j = (int) rs.next(Constraint.between(0, i));
                    double x = v[s * t + i];
                    v[s * t + i] = v[s * t + j];
                    v[s * t + j] = x;
                }
            }
            return RefTensor.of(DType.I32, new long[] {b, t}, v);
        };
    }

    /** A visible matrix per sample, each cell a fair coin (K-BERT's matrix, or any precomputed mask). */
    public static Gen<RefTensor> visible(int b, int t) {
        return rs -> {
            double[] v = new double[b * t * t];
            for (int i = 0; i < v.length; i++) v[i] = rs.next(Constraint.between(0, 1));
            return RefTensor.of(DType.BOOL, new long[] {b, t, t}, v);
        };
    }

    /** Integers of this shape, each in [lo, hi]. */
    public static Gen<RefTensor> ints(long[] shape, long lo, long hi) {
        return rs -> {
            int n = 1;
            for (long x : shape) n *= (int) x;
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = rs.next(Constraint.between(lo, hi));
            return RefTensor.of(DType.I32, shape, v);
        };
    }

    /** Instances of the mask at the drawn sizes, each data drawn by {@link #any}. */
    public static Gen<Mask.At> instances(Mask m, Gen<Sizes> sizes) { return instances(m, sizes, Map.of()); }

    /**
     * Instances of the mask at the drawn sizes, with the data named in {@code data} drawn by its
     * generator ({@code Map.of("len", Generators::lengths)}) and the rest by {@link #any}.
     */
    public static Gen<Mask.At> instances(Mask m, Gen<Sizes> sizes, Map<String, BiFunction<Integer, Integer, Gen<RefTensor>>> data) {
        for (String n : data.keySet())
            if (!m.data().containsKey(n)) throw new IllegalArgumentException("mask `" + m.name() + "` reads no data `" + n + "`; it reads " + m.data().keySet());
        Gen<Mask.At> g = rs -> {
            Sizes s = sizes.generate(rs);
            Map<String, RefTensor> given = new LinkedHashMap<>();
            m.data().forEach((n, v) -> given.put(n, (data.containsKey(n) ? data.get(n).apply(s.b(), s.t()) : any(v, s.b(), s.t())).generate(rs)));
            return m.at(s.t(), given);
        };
        return g.describedAs(Mask.At::toString);
    }

    /**
     * Data for a captured value in its stated range: a bool is a coin; an integer per sample
     * (a length, a prefix) lies in [0, T]; an integer per token (an id, a rank, a position) in [0, T).
     */
    public static Gen<RefTensor> any(Value v, int b, int t) {
        long[] shape = DataSearch.shapeAt(v, t);
        shape[0] = v.type().rank() > 0 && v.type().dim(0).symbols().contains("B") ? b : shape[0];
        if (v.type().dtype() == DType.BOOL) return ints(shape, 0, 1).map(x -> x.withDtype(DType.BOOL));
        if (!v.type().dtype().isInteger()) return ints(shape, -1, 1).map(x -> x.withDtype(v.type().dtype()));
        return ints(shape, 0, v.type().rank() == 1 ? t : Math.max(0, t - 1)).map(x -> x.withDtype(v.type().dtype()));
    }
}
