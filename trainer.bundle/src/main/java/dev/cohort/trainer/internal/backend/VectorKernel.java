package dev.cohort.trainer.internal.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The micro-kernel of {@link VectorGemm}: a block of 6 rows by 4 vectors of C (64 columns with
 * AVX-512's 16 lanes) held in 24 vector registers across a whole tile depth, updated by a packed
 * panel of B ({@code panel[k * 4L + j]}) and broadcasts of A. Per k it loads 4 vectors of B and 6
 * scalars of A for 24 fused multiply-adds, and it reads and writes C once per tile, not once per
 * pair of k as the plain kernel ({@link GemmKernel}) must, because C2 auto-vectorises only loops
 * over arrays. With 32 vector registers (AVX-512) the 24 accumulators, 4 B vectors and a
 * broadcast fit without spilling; 6 x 4 measured 160 GFLOP/s on one core here against 115-150 for
 * 4 x 4, 5 x 4, 8 x 2 and 8 x 3 (peak about 166).
 * <p>
 * Each lane of an accumulator is one element of C and gets {@code c = fma(A(i,k), B(k,j), c)}
 * for k ascending ({@link FloatVector#fma} rounds once per lane like {@link Math#fma}), so the
 * result is bit for bit the plain kernel's.
 * <p>
 * Only this class and {@link VectorGemm} name {@code jdk.incubator.vector}; {@link GemmSelect}
 * loads them only when the module is present.
 */
final class VectorKernel {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Lanes per vector. */
    static final int L = S.length();
    /** Rows of C per block. */
    static final int MR = 6;
    /** Columns of C per block (and of a packed panel of B). */
    static final int NR = 4 * L;

    private VectorKernel() {
    }

    /**
     * C rows {@code i < 6} at {@code c[co + i*ldc ..+NR)} += A(i, k) B(k, :) for k < kn, where
     * A(i, k) = {@code a[ao + i*rs + k*cs]} and B(k, :) = {@code p[po + k*NR ..+NR)}.
     */
    static void block(float[] c, int co, int ldc, float[] p, int po, int kn, float[] a, int ao, int rs, int cs) {
        int o0 = co;
        int o1 = co + 1 * ldc;
        int o2 = co + 2 * ldc;
        int o3 = co + 3 * ldc;
        int o4 = co + 4 * ldc;
        int o5 = co + 5 * ldc;
        FloatVector c00 = FloatVector.fromArray(S, c, o0);
        FloatVector c01 = FloatVector.fromArray(S, c, o0 + L);
        FloatVector c02 = FloatVector.fromArray(S, c, o0 + 2 * L);
        FloatVector c03 = FloatVector.fromArray(S, c, o0 + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, c, o1);
        FloatVector c11 = FloatVector.fromArray(S, c, o1 + L);
        FloatVector c12 = FloatVector.fromArray(S, c, o1 + 2 * L);
        FloatVector c13 = FloatVector.fromArray(S, c, o1 + 3 * L);
        FloatVector c20 = FloatVector.fromArray(S, c, o2);
        FloatVector c21 = FloatVector.fromArray(S, c, o2 + L);
        FloatVector c22 = FloatVector.fromArray(S, c, o2 + 2 * L);
        FloatVector c23 = FloatVector.fromArray(S, c, o2 + 3 * L);
        FloatVector c30 = FloatVector.fromArray(S, c, o3);
        FloatVector c31 = FloatVector.fromArray(S, c, o3 + L);
        FloatVector c32 = FloatVector.fromArray(S, c, o3 + 2 * L);
        FloatVector c33 = FloatVector.fromArray(S, c, o3 + 3 * L);
        FloatVector c40 = FloatVector.fromArray(S, c, o4);
        FloatVector c41 = FloatVector.fromArray(S, c, o4 + L);
        FloatVector c42 = FloatVector.fromArray(S, c, o4 + 2 * L);
        FloatVector c43 = FloatVector.fromArray(S, c, o4 + 3 * L);
        FloatVector c50 = FloatVector.fromArray(S, c, o5);
        FloatVector c51 = FloatVector.fromArray(S, c, o5 + L);
        FloatVector c52 = FloatVector.fromArray(S, c, o5 + 2 * L);
        FloatVector c53 = FloatVector.fromArray(S, c, o5 + 3 * L);
        for (int k = 0; k < kn; k++, po += NR, ao += cs) {
            FloatVector b0 = FloatVector.fromArray(S, p, po);
            FloatVector b1 = FloatVector.fromArray(S, p, po + L);
            FloatVector b2 = FloatVector.fromArray(S, p, po + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, p, po + 3 * L);
            FloatVector x0 = FloatVector.broadcast(S, a[ao]);
            c00 = b0.fma(x0, c00); c01 = b1.fma(x0, c01); c02 = b2.fma(x0, c02); c03 = b3.fma(x0, c03);
            FloatVector x1 = FloatVector.broadcast(S, a[ao + rs]);
            c10 = b0.fma(x1, c10); c11 = b1.fma(x1, c11); c12 = b2.fma(x1, c12); c13 = b3.fma(x1, c13);
            FloatVector x2 = FloatVector.broadcast(S, a[ao + 2 * rs]);
            c20 = b0.fma(x2, c20); c21 = b1.fma(x2, c21); c22 = b2.fma(x2, c22); c23 = b3.fma(x2, c23);
            FloatVector x3 = FloatVector.broadcast(S, a[ao + 3 * rs]);
            c30 = b0.fma(x3, c30); c31 = b1.fma(x3, c31); c32 = b2.fma(x3, c32); c33 = b3.fma(x3, c33);
            FloatVector x4 = FloatVector.broadcast(S, a[ao + 4 * rs]);
            c40 = b0.fma(x4, c40); c41 = b1.fma(x4, c41); c42 = b2.fma(x4, c42); c43 = b3.fma(x4, c43);
            FloatVector x5 = FloatVector.broadcast(S, a[ao + 5 * rs]);
            c50 = b0.fma(x5, c50); c51 = b1.fma(x5, c51); c52 = b2.fma(x5, c52); c53 = b3.fma(x5, c53);
        }
        c00.intoArray(c, o0);
        c01.intoArray(c, o0 + L);
        c02.intoArray(c, o0 + 2 * L);
        c03.intoArray(c, o0 + 3 * L);
        c10.intoArray(c, o1);
        c11.intoArray(c, o1 + L);
        c12.intoArray(c, o1 + 2 * L);
        c13.intoArray(c, o1 + 3 * L);
        c20.intoArray(c, o2);
        c21.intoArray(c, o2 + L);
        c22.intoArray(c, o2 + 2 * L);
        c23.intoArray(c, o2 + 3 * L);
        c30.intoArray(c, o3);
        c31.intoArray(c, o3 + L);
        c32.intoArray(c, o3 + 2 * L);
        c33.intoArray(c, o3 + 3 * L);
        c40.intoArray(c, o4);
        c41.intoArray(c, o4 + L);
        c42.intoArray(c, o4 + 2 * L);
        c43.intoArray(c, o4 + 3 * L);
        c50.intoArray(c, o5);
        c51.intoArray(c, o5 + L);
        c52.intoArray(c, o5 + 2 * L);
        c53.intoArray(c, o5 + 3 * L);
    }
}
