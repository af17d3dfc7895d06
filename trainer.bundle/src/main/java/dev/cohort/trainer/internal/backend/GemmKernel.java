package dev.cohort.trainer.internal.backend;

/**
 * The inner loops of {@link Gemm}: rows of C (copied into separate arrays) updated by a packed
 * tile of B, {@code c_r[j] = fma(A(r, k), tile[k][j], c_r[j])} for k ascending.
 * <p>
 * The shapes are the ones HotSpot's C2 (JDK 17) vectorises with its default flags: one counted
 * loop over j in which every array is indexed by {@code j} alone, and a body small enough for C2
 * to unroll it before the superword pass (about 60 nodes, {@code LoopUnrollLimit}). Four rows by
 * two k per pass is the largest such body measured here: each loaded vector of B feeds four fused
 * multiply-adds, each row vector of C is loaded and stored once per two, and the sixteen-wide FMA
 * ({@code Math.fma}, intrinsified) does two flops per lane where a separate multiply and add do one
 * each. Bodies with three or more k per pass, or more than four rows, were left scalar by C2 (about
 * 4x slower), so do not grow these loops without measuring.
 * <p>
 * Every element of C gets the same sequence of operations, {@code c = fma(a_k, b_k, c)} for k in
 * ascending order, whichever kernel (four rows or one, pairs of k or a single k) computes it, so
 * the blocking and the thread split never change a result.
 */
final class GemmKernel {

    private GemmKernel() {
    }

    /**
     * c0..c3[0..jn) are rows r = 0..3 of C; A(r, k) = {@code a[ao + r*rs + k*cs]}; adds k < kn.
     */
    static void rows4(float[] c0, float[] c1, float[] c2, float[] c3, int jn, float[][] tile, int kn, float[] a,
            int ao, int rs, int cs) {
        int k = 0;
        for (; k + 1 < kn; k += 2, ao += 2 * cs) {
            int ao1 = ao + cs;
            float x0 = a[ao];
            float x1 = a[ao1];
            float y0 = a[ao + rs];
            float y1 = a[ao1 + rs];
            float z0 = a[ao + 2 * rs];
            float z1 = a[ao1 + 2 * rs];
            float w0 = a[ao + 3 * rs];
            float w1 = a[ao1 + 3 * rs];
            float[] t0 = tile[k];
            float[] t1 = tile[k + 1];
            for (int j = 0; j < jn; j++) {
                float b0 = t0[j];
                float b1 = t1[j];
                c0[j] = Math.fma(x1, b1, Math.fma(x0, b0, c0[j]));
                c1[j] = Math.fma(y1, b1, Math.fma(y0, b0, c1[j]));
                c2[j] = Math.fma(z1, b1, Math.fma(z0, b0, c2[j]));
                c3[j] = Math.fma(w1, b1, Math.fma(w0, b0, c3[j]));
            }
        }
        if (k < kn) {
            float x0 = a[ao];
            float y0 = a[ao + rs];
            float z0 = a[ao + 2 * rs];
            float w0 = a[ao + 3 * rs];
            float[] t0 = tile[k];
            for (int j = 0; j < jn; j++) {
                float b0 = t0[j];
                c0[j] = Math.fma(x0, b0, c0[j]);
                c1[j] = Math.fma(y0, b0, c1[j]);
                c2[j] = Math.fma(z0, b0, c2[j]);
                c3[j] = Math.fma(w0, b0, c3[j]);
            }
        }
    }

    /** One row: c[0..jn) gets A(0, k) = {@code a[ao + k*cs]} times tile row k, k < kn. */
    static void row1(float[] c, int jn, float[][] tile, int kn, float[] a, int ao, int cs) {
        int k = 0;
        for (; k + 1 < kn; k += 2, ao += 2 * cs) {
            float x0 = a[ao];
            float x1 = a[ao + cs];
            float[] t0 = tile[k];
            float[] t1 = tile[k + 1];
            for (int j = 0; j < jn; j++) {
                c[j] = Math.fma(x1, t1[j], Math.fma(x0, t0[j], c[j]));
            }
        }
        if (k < kn) {
            float x0 = a[ao];
            float[] t0 = tile[k];
            for (int j = 0; j < jn; j++) {
                c[j] = Math.fma(x0, t0[j], c[j]);
            }
        }
    }
}
