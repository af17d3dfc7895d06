package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.VectorKernel.MR;
import static dev.cohort.trainer.internal.backend.VectorKernel.NR;

/**
 * {@link Gemm}'s product with the register-blocked {@link VectorKernel} (Vector API): the same
 * description, thread split and tiles of B, but each {@code kb x jb} tile is packed into panels
 * of {@link VectorKernel#NR} columns ({@link VectorTiles}) and C is updated in place, six rows by
 * one panel at a time, with C held in registers across the tile's depth.
 * <p>
 * Loop order per tile: blocks of {@link #MC} rows (their A stays in L2), then panels (one panel,
 * {@code kb x NR} floats, stays in L1), then the six-row blocks. Rows or columns short of a
 * whole block go through {@link VectorTiles}'s padded copies, so the kernel always runs full.
 * Products narrower than a panel (LoRA's rank) or shorter than a block (decoding one to five
 * sequences) run on the plain kernel, which wastes no lanes or rows: with one row, the padded
 * block computed six rows for one and made decoding a single sequence 0.85x as fast.
 * <p>
 * An overwritten C is first set to its start value (bias or zero) and then accumulated into, so
 * every element still gets {@code c = fma(A(i,k), B(k,j), c)} for k ascending from its start
 * value: the same bits as {@link Gemm} and the scalar definition, for any tile or thread count.
 */
final class VectorGemm extends Gemm {

    /** Rows per block of A kept in L2 while the panels of a tile pass over it (a multiple of MR). */
    static final int MC = 16 * MR;
    /** Default tile depth: a panel of {@code KB x NR} floats is 32 KiB with 16 lanes (L1d is 48). */
    static final int KB = 128;

    private final VectorTiles[] scratch;

    VectorGemm(ComputePool pool) {
        this(pool, KB, 1024);
    }

    /** With a tile of {@code kb x jb}, jb a multiple of {@link VectorKernel#NR}. */
    VectorGemm(ComputePool pool, int kb, int jb) {
        super(pool, kb, jb, NR, MR);
        this.scratch = new VectorTiles[pool.parallelism()];
    }

    @Override
    void block(int worker, int i0, int i1, int jFrom, int jEnd) {
        if (cols < NR || rows < MR) {
            super.block(worker, i0, i1, jFrom, jEnd);
            return;
        }
        if (overwrite) {
            start(i0, i1, jFrom, jEnd - jFrom);
        }
        VectorTiles s = tiles(worker);
        for (int j0 = jFrom; j0 < jEnd; j0 += jb) {
            int jn = Math.min(jb, jEnd - j0);
            for (int k0 = 0; k0 < depth; k0 += kb) {
                int kn = Math.min(kb, depth - k0);
                if (bTransposed) {
                    s.packTransposed(b, bOff + j0 * ldb + k0, ldb, kn, jn);
                } else {
                    s.pack(b, bOff + k0 * ldb + j0, ldb, kn, jn);
                }
                for (int ib = i0; ib < i1; ib += MC) {
                    rows(s, ib, Math.min(i1, ib + MC), j0, jn, k0, kn);
                }
            }
        }
    }

    /** Rows [ib, ie) of C times the packed tile (columns j0.., depth k0..). */
    private void rows(VectorTiles s, int ib, int ie, int j0, int jn, int k0, int kn) {
        int whole = ib + (ie - ib) / MR * MR;
        if (whole < ie) {
            s.packRows(a, aOff + whole * aRowStride + k0 * aColStride, aRowStride, aColStride, ie - whole, kn);
        }
        for (int p = 0; p * NR < jn; p++) {
            int w = Math.min(NR, jn - p * NR);
            int col = j0 + p * NR;
            int po = p * kn * NR;
            for (int i = ib; i < whole; i += MR) {
                int ao = aOff + i * aRowStride + k0 * aColStride;
                if (w == NR) {
                    VectorKernel.block(c, cOff + i * ldc + col, ldc, s.panels, po, kn, a, ao, aRowStride, aColStride);
                } else {
                    edge(s, i, MR, col, w, po, kn, a, ao, aRowStride, aColStride);
                }
            }
            if (whole < ie) {
                edge(s, whole, ie - whole, col, w, po, kn, s.aBlock, 0, 1, MR);
            }
        }
    }

    /**
     * An {@code m x w} block of C (m <= MR, w <= NR) through the padded copy of C; A(r, k) =
     * {@code ap[ao + r*rs + k*cs]} holds MR rows (the packed edge rows when m < MR).
     */
    private void edge(VectorTiles s, int i, int m, int col, int w, int po, int kn, float[] ap, int ao, int rs, int cs) {
        float[] cb = s.cBlock;
        for (int r = 0; r < m; r++) {
            System.arraycopy(c, cOff + (i + r) * ldc + col, cb, r * NR, w);
        }
        VectorKernel.block(cb, 0, NR, s.panels, po, kn, ap, ao, rs, cs);
        for (int r = 0; r < m; r++) {
            System.arraycopy(cb, r * NR, c, cOff + (i + r) * ldc + col, w);
        }
    }

    /** Rows [i0, i1), columns [j0, j0 + jn) of C = their start value (bias or zero). */
    private void start(int i0, int i1, int j0, int jn) {
        for (int i = i0; i < i1; i++) {
            int row = cOff + i * ldc + j0;
            if (bias != null) {
                System.arraycopy(bias, biasOff + j0, c, row, jn);
            } else {
                java.util.Arrays.fill(c, row, row + jn, 0f);
            }
        }
    }

    private VectorTiles tiles(int worker) {
        if (scratch[worker] == null) {
            scratch[worker] = new VectorTiles(kb, jb);
        }
        return scratch[worker];
    }
}
