package dev.cohort.trainer.internal.backend;

import java.util.Arrays;

/**
 * One worker's arrays for {@link Attention}, one (batch, head) pair at a time: keys and values
 * as rows (T, hs) or transposed (hs, T), gradient accumulators, and rows of length T or hs.
 * Grown when T or the head size grows, otherwise reused.
 */
final class AttentionScratch {

    float[][] kt = new float[0][0];
    float[][] vt = new float[0][0];
    float[][] ks = new float[0][0];
    float[][] vs = new float[0][0];
    float[][] dks = new float[0][0];
    float[][] dvs = new float[0][0];
    float[] row = new float[0];
    float[] p = new float[0];
    float[] acc = new float[0];
    float[] g = new float[0];
    float[] q = new float[0];
    private int capT;
    private int capHs;

    AttentionScratch ensure(int t, int hs) {
        if (t <= capT && hs <= capHs) {
            return this;
        }
        capT = Math.max(t, capT);
        capHs = Math.max(hs, capHs);
        kt = new float[capHs][capT];
        vt = new float[capHs][capT];
        ks = new float[capT][capHs];
        vs = new float[capT][capHs];
        dks = new float[capT][capHs];
        dvs = new float[capT][capHs];
        row = new float[capT];
        p = new float[capT];
        acc = new float[capHs];
        g = new float[capHs];
        q = new float[capHs];
        return this;
    }

    /** dst[j][0..hs) = src[off + j*stride ..] for j < t. */
    void loadRows(float[][] dst, float[] src, int off, int stride, int t, int hs) {
        for (int j = 0; j < t; j++) {
            System.arraycopy(src, off + j * stride, dst[j], 0, hs);
        }
    }

    /** dst[d][j] = src[off + j*stride + d] for j < t, d < hs. */
    void loadTransposed(float[][] dst, float[] src, int off, int stride, int t, int hs) {
        for (int j = 0; j < t; j++) {
            int r = off + j * stride;
            for (int d = 0; d < hs; d++) {
                dst[d][j] = src[r + d];
            }
        }
    }

    void zeroRows(float[][] rows, int t, int hs) {
        for (int j = 0; j < t; j++) {
            Arrays.fill(rows[j], 0, hs, 0f);
        }
    }
}
