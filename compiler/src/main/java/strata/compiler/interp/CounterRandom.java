package strata.compiler.interp;

/**
 * Counter-based random numbers: the value at a flat index depends only on (seed, index), so any
 * kernel, in any order and on any device, can reproduce it. The generator is SplitMix64's
 * finalizer (Steele, Lea and Flood, "Fast Splittable Pseudorandom Number Generators", OOPSLA 2014)
 * applied to the counter {@code seed + (index + 1) * 0x9E3779B97F4A7C15}.
 */
public final class CounterRandom {
    private CounterRandom() {}

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    /** SplitMix64's output function (the variant from Stafford's Mix13). */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public static long bits(long seed, long index) { return mix64(seed + (index + 1) * GOLDEN_GAMMA); }

    /** Uniform on [0, 1): the top 53 bits of {@link #bits} scaled by 2^-53. */
    public static double uniform(long seed, long index) { return (bits(seed, index) >>> 11) * 0x1.0p-53; }

    /**
     * Standard normal by Box-Muller (Box and Muller, Ann. Math. Statist. 1958) on the uniforms at
     * counters 2i and 2i+1: sqrt(-2 ln(1 - u1)) * cos(2 pi u2); 1 - u1 lies in (0, 1], so the log is finite.
     */
    public static double normal(long seed, long index) {
        double u1 = uniform(seed, 2 * index), u2 = uniform(seed, 2 * index + 1);
        return Math.sqrt(-2.0 * Math.log1p(-u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /** The seed of one training step's stream: the op's own seed when the step seed is 0. */
    public static long streamSeed(long opSeed, long stepSeed) {
        return stepSeed == 0 ? opSeed : opSeed ^ mix64(stepSeed + GOLDEN_GAMMA);
    }
}
