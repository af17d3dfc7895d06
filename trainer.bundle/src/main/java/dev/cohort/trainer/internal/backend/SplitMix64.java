package dev.cohort.trainer.internal.backend;

/**
 * The SplitMix64 generator (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014): the state advances by the golden-ratio increment and each output
 * is a bijective mix of the state. Any 64-bit value is a valid state, so a sampler's per-row
 * state is just a {@code long}, advanced in place; independent streams for many sequences come
 * from {@link #seed(long, long)}, which mixes a base seed with a stream index.
 */
final class SplitMix64 {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private SplitMix64() {
    }

    /** Advances {@code state[i]} and returns the next 64 random bits. */
    static long next(long[] state, int i) {
        long z = state[i] += GOLDEN_GAMMA;
        return mix(z);
    }

    /** Advances {@code state[i]} and returns a uniform double in [0, 1) with 53 random bits. */
    static double nextDouble(long[] state, int i) {
        return (next(state, i) >>> 11) * 0x1.0p-53;
    }

    /** A state for stream {@code stream} of a run seeded with {@code seed}. */
    static long seed(long seed, long stream) {
        return mix(seed + mix(stream + GOLDEN_GAMMA));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
