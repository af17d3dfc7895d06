package dev.cohort.trainer.internal.model;

/** SplitMix64 seeding of per-sequence random streams. */
final class SplitMix {

    private SplitMix() {
    }

    /** The initial state of stream {@code index} under {@code seed}. */
    static long seed(long seed, int index) {
        return mix(seed + 0x9E3779B97F4A7C15L * (index + 1L));
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
