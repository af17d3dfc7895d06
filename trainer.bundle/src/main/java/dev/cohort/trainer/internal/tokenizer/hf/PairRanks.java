package dev.cohort.trainer.internal.tokenizer.hf;

import java.util.Arrays;

/** Merge ranks by token-id pair: an open-addressing hash map from (left, right) to rank. */
final class PairRanks {

    private final long[] keys;
    private final int[] ranks;
    private final int mask;

    PairRanks(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[cap];
        ranks = new int[cap];
        Arrays.fill(keys, -1L);
        mask = cap - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int hash(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29));
    }

    /** Sets the pair's rank. */
    void put(int left, int right, int rank) {
        long k = key(left, right);
        int i = hash(k) & mask;
        while (keys[i] != -1L && keys[i] != k) {
            i = (i + 1) & mask;
        }
        keys[i] = k;
        ranks[i] = rank;
    }

    /** The rank of the pair, or -1. */
    int rank(int left, int right) {
        long k = key(left, right);
        int i = hash(k) & mask;
        while (keys[i] != -1L) {
            if (keys[i] == k) {
                return ranks[i];
            }
            i = (i + 1) & mask;
        }
        return -1;
    }
}
