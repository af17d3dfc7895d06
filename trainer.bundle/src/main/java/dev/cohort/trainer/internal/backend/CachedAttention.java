package dev.cohort.trainer.internal.backend;

import java.util.Arrays;

/**
 * Attention for decoding over a KV cache laid out (slots, NKV, maxT, hs): one new token per
 * sequence attends over its cached positions, query head h over key/value head h / group.
 * Parallel over (sequence, query head) pairs. Scores,
 * softmax and the weighted sum of values use the same operations in the same order as
 * {@link Attention#forward}, so a step reproduces the training forward's row for its position.
 */
final class CachedAttention {

    private final ComputePool pool;
    private final float[][] rows;
    private final float[][] accs;
    private final ComputePool.RangeTask task = this::pairs;

    private float[] out;
    private int outOff;
    private float[] qkv;
    private int qkvOff;
    private float[] kCache;
    private int kOff;
    private float[] vCache;
    private int vOff;
    private int[] slots;
    private int[] positions;
    private Heads heads;
    private int maxT;

    CachedAttention(ComputePool pool) {
        this.pool = pool;
        this.rows = new float[pool.parallelism()][0];
        this.accs = new float[pool.parallelism()][0];
    }

    /** Stores k, v of each row of qkv (n, qkvWidth) in its slot at its position, then attends; out (n, NH*hs). */
    void step(ArrayTensor out, ArrayTensor qkv, ArrayTensor kc, ArrayTensor vc, int[] slots, int[] positions,
            int n, Heads heads, int maxT) {
        for (int i = 0; i < n; i++) {
            storeRow(kc, vc, qkv, qkv.offset + i * heads.qkvWidth(), slots[i], positions[i], heads, maxT);
        }
        this.out = out.data;
        this.outOff = out.offset;
        this.qkv = qkv.data;
        this.qkvOff = qkv.offset;
        this.kCache = kc.data;
        this.kOff = kc.offset;
        this.vCache = vc.data;
        this.vOff = vc.offset;
        this.slots = slots;
        this.positions = positions;
        this.heads = heads;
        this.maxT = maxT;
        try {
            pool.forEach(n * heads.q(), Attention.minPairs((int) Math.sqrt(maxT), heads.size()), task);
        } finally {
            this.out = null;
            this.qkv = null;
            this.kCache = null;
            this.vCache = null;
            this.slots = null;
            this.positions = null;
        }
    }

    /** k, v of a prefilled sequence (T, qkvWidth) into slot {@code slot}, positions 0..T-1. */
    static void store(ArrayTensor kc, ArrayTensor vc, ArrayTensor qkv, int slot, int t, Heads heads, int maxT) {
        for (int pos = 0; pos < t; pos++) {
            storeRow(kc, vc, qkv, qkv.offset + pos * heads.qkvWidth(), slot, pos, heads, maxT);
        }
    }

    private static void storeRow(ArrayTensor kc, ArrayTensor vc, ArrayTensor qkv, int row, int slot, int pos,
            Heads heads, int maxT) {
        int hs = heads.size();
        int k0 = heads.q() * hs;
        int v0 = (heads.q() + heads.kv()) * hs;
        for (int h = 0; h < heads.kv(); h++) {
            int at = ((slot * heads.kv() + h) * maxT + pos) * hs;
            System.arraycopy(qkv.data, row + k0 + h * hs, kc.data, kc.offset + at, hs);
            System.arraycopy(qkv.data, row + v0 + h * hs, vc.data, vc.offset + at, hs);
        }
    }

    private void pairs(int worker, int from, int to) {
        int hs = heads.size();
        if (rows[worker].length < maxT || accs[worker].length < hs) {
            rows[worker] = new float[Math.max(maxT, rows[worker].length)];
            accs[worker] = new float[Math.max(hs, accs[worker].length)];
        }
        for (int pair = from; pair < to; pair++) {
            pair(rows[worker], accs[worker], pair / heads.q(), pair % heads.q(), hs);
        }
    }

    private void pair(float[] row, float[] acc, int i, int h, int hs) {
        int len = positions[i] + 1;
        int head = ((slots[i] * heads.kv() + h / heads.group()) * maxT) * hs;
        scores(row, qkvOff + i * heads.qkvWidth() + heads.qOffset(h), kOff + head, len, hs);
        Attention.softmax(row, len, (float) (1.0 / Math.sqrt(hs)));
        Arrays.fill(acc, 0, hs, 0f);
        for (int j = 0; j < len; j++) {
            float pj = row[j];
            int v = vOff + head + j * hs;
            for (int d = 0; d < hs; d++) {
                acc[d] += pj * vCache[v + d];
            }
        }
        System.arraycopy(acc, 0, out, outOff + i * heads.width() + h * hs, hs);
    }

    /** row[j] = q · k[j] for j < len, each summed over d in ascending order; four positions at a time for ILP. */
    private void scores(float[] row, int q, int k, int len, int hs) {
        int j = 0;
        for (; j + 3 < len; j += 4) {
            int k0 = k + j * hs;
            float s0 = 0f;
            float s1 = 0f;
            float s2 = 0f;
            float s3 = 0f;
            for (int d = 0; d < hs; d++) {
                float qd = qkv[q + d];
                s0 += qd * kCache[k0 + d];
                s1 += qd * kCache[k0 + hs + d];
                s2 += qd * kCache[k0 + 2 * hs + d];
                s3 += qd * kCache[k0 + 3 * hs + d];
            }
            row[j] = s0;
            row[j + 1] = s1;
            row[j + 2] = s2;
            row[j + 3] = s3;
        }
        for (; j < len; j++) {
            int kj = k + j * hs;
            float s = 0f;
            for (int d = 0; d < hs; d++) {
                s += qkv[q + d] * kCache[kj + d];
            }
            row[j] = s;
        }
    }
}
