package dev.cohort.trainer.internal.backend;

/**
 * One worker's scratch for {@link Gemm}: the packed tile of B ({@code tile[kk][jj]}, rows as
 * separate arrays so that the kernel indexes each by j alone) and four rows of C.
 */
final class GemmTiles {

    /** Columns of a transposed B copied per pass: one 64-byte line of each tile row. */
    private static final int STRIP = 16;

    final float[][] tile;
    final float[][] acc;

    GemmTiles(int kb, int jb) {
        this.tile = new float[kb][jb];
        this.acc = new float[4][jb];
    }

    /** tile[kk][0..jn) = {@code b[off + kk*ld ..]} for kk < kn. */
    void pack(float[] b, int off, int ld, int kn, int jn) {
        for (int kk = 0; kk < kn; kk++) {
            System.arraycopy(b, off + kk * ld, tile[kk], 0, jn);
        }
    }

    /**
     * tile[kk][jj] = {@code b[off + jj*ld + kk]}: B stored transposed. Strips of 16 columns read 16
     * rows of b side by side and write whole cache lines of the tile.
     */
    void packTransposed(float[] b, int off, int ld, int kn, int jn) {
        for (int j0 = 0; j0 < jn; j0 += STRIP) {
            int m = Math.min(STRIP, jn - j0);
            int row = off + j0 * ld;
            for (int kk = 0; kk < kn; kk++) {
                float[] t = tile[kk];
                int src = row + kk;
                for (int q = 0; q < m; q++) {
                    t[j0 + q] = b[src + q * ld];
                }
            }
        }
    }
}
