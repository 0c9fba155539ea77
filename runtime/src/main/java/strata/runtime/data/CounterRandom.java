package strata.runtime.data;

/**
 * Random numbers as a pure function of (seed, stream, counter, index), so that any draw can be made
 * again without replaying the ones before it: batch n of a run is the same after a restart.
 * Each coordinate is folded in through the SplitMix64 finalizer (Steele, Lea and Flood, "Fast
 * splittable pseudorandom number generators", OOPSLA 2014), which passes BigCrush on a counter.
 */
public final class CounterRandom {
    private CounterRandom() {}

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public static long bits(long seed, long stream, long counter, long index) {
        long h = mix(seed + GOLDEN);
        h = mix(h + stream * GOLDEN + 1);
        h = mix(h + counter * GOLDEN + 2);
        return mix(h + index * GOLDEN + 3);
    }

    /**
     * A draw in [0, bound): the high word of bits x bound (Lemire, "Fast random integer generation in
     * an interval", TOMACS 2019), whose bias is at most bound / 2^64.
     */
    public static long below(long bound, long seed, long stream, long counter, long index) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        return Math.unsignedMultiplyHigh(bits(seed, stream, counter, index), bound);
    }
}
