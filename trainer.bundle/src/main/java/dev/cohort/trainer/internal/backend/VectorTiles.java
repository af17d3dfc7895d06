package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.VectorKernel.MR;
import static dev.cohort.trainer.internal.backend.VectorKernel.NR;

/**
 * One worker's scratch for {@link VectorGemm}: a {@code kn x jn} tile of B packed as panels of
 * {@link VectorKernel#NR} columns, each panel's rows contiguous ({@code panels[p*kn*NR + k*NR + jj]}),
 * so the kernel reads a panel front to back; and padded copies of one block of C and of A for
 * blocks at the edges. Lanes past a short panel's width hold stale values; they only reach
 * columns of the padded C block that are never copied back.
 */
final class VectorTiles {

    final float[] panels;
    /** MR rows of NR, row stride NR. */
    final float[] cBlock = new float[MR * NR];
    /** A(r, k) = {@code aBlock[k*MR + r]}: the rows short of a whole block of MR, padded. */
    final float[] aBlock;

    VectorTiles(int kb, int jb) {
        this.panels = new float[kb * ((jb + NR - 1) / NR) * NR];
        this.aBlock = new float[kb * MR];
    }

    /**
     * aBlock = the m (< MR) rows A(r, k) = {@code a[off + r*rs + k*cs]}, k < kn; rows m.. keep
     * stale values, which only reach rows of the padded C block that are never copied back.
     */
    void packRows(float[] a, int off, int rs, int cs, int m, int kn) {
        for (int k = 0; k < kn; k++) {
            int src = off + k * cs;
            for (int r = 0; r < m; r++) {
                aBlock[k * MR + r] = a[src + r * rs];
            }
        }
    }

    /** Panels of B(k, j) = {@code b[off + k*ld + j]}, k < kn, j < jn. */
    void pack(float[] b, int off, int ld, int kn, int jn) {
        for (int p = 0; p * NR < jn; p++) {
            int w = Math.min(NR, jn - p * NR);
            int dst = p * kn * NR;
            int src = off + p * NR;
            for (int k = 0; k < kn; k++) {
                System.arraycopy(b, src + k * ld, panels, dst + k * NR, w);
            }
        }
    }

    /**
     * Panels of B(k, j) = {@code b[off + j*ld + k]} (B stored transposed): each column of the
     * panel is one contiguous run of b, written with stride NR into a panel that fits L1.
     */
    void packTransposed(float[] b, int off, int ld, int kn, int jn) {
        for (int p = 0; p * NR < jn; p++) {
            int w = Math.min(NR, jn - p * NR);
            int dst = p * kn * NR;
            for (int jj = 0; jj < w; jj++) {
                int src = off + (p * NR + jj) * ld;
                int d = dst + jj;
                for (int k = 0; k < kn; k++, d += NR) {
                    panels[d] = b[src + k];
                }
            }
        }
    }
}
