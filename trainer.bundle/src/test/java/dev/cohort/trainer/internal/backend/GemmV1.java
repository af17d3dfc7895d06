package dev.cohort.trainer.internal.backend;

import java.util.Arrays;

/**
 * Benchmark-only copy of the matrix product the Java backend used before the FMA micro-kernel
 * ({@link Gemm}), kept so that {@code MatmulBench} can time the old and the new kernel in the same
 * run. Not used by the backend. The original description follows.
 * <p>
 * The one matrix product behind every matmul op: {@code C[i,j] (=|+=) sum_k A(i,k) B(k,j)} for
 * {@code i < rows, j < cols, k < depth}, cache-blocked and split over column ranges.
 * <p>
 * HotSpot's C2 (JDK 17) vectorises a loop only when every array access in it has the same index
 * expression, so the work is arranged for that: each {@code KB x JB} block of B is packed into a
 * per-worker tile whose rows are separate arrays (256 KiB: it stays in L2 while every row of A
 * streams past), and each row of C is accumulated in a per-worker array {@code acc}. The inner
 * loop is then {@code acc[j] += a0*t0[j] + a1*t1[j] + a2*t2[j] + a3*t3[j]}: four axpy updates
 * fused, one load and store of acc per four multiply-adds. Packing also absorbs a transposed B
 * ({@code B(k,j) = Bt[j,k]}), so one kernel serves both weight layouts and both backward products.
 * <p>
 * Every element of C is computed with the same operations in the same order whatever the column
 * split, so results do not depend on the thread count: start (bias, zero or the old C), then add
 * the groups of four k in ascending order, then the last {@code depth % 4} terms one at a time.
 */
final class GemmV1 implements GemmOps {

    /** Depth of a packed tile; a multiple of 4 so the groups of four k never straddle tiles. */
    static final int KB = 128;
    /** Width of a packed tile. */
    static final int JB = 512;
    /** Columns per unit of the thread split (a whole number of vectors). */
    private static final int UNIT = 16;
    /** Below this many multiply-adds per task, splitting costs more than it saves. */
    private static final long MIN_TASK_WORK = 1 << 17;

    private final ComputePool pool;
    private final float[][][] tiles;
    private final float[][] accs;
    private final ComputePool.RangeTask task = this::columns;

    // the current product, set by the fluent setters below and read by the workers
    private float[] c;
    private int cOff;
    private int ldc;
    private float[] a;
    private int aOff;
    private int aRowStride;
    private int aColStride;
    private float[] b;
    private int bOff;
    private int ldb;
    private boolean bTransposed;
    private float[] bias;
    private int biasOff;
    private boolean overwrite;
    private int rows;
    private int depth;
    private int cols;

    GemmV1(ComputePool pool) {
        this.pool = pool;
        this.tiles = new float[pool.parallelism()][][];
        this.accs = new float[pool.parallelism()][];
    }

    /** C (rows, cols) at {@code off}, row stride {@code ld}; overwritten (from bias or zero) or accumulated into. */
    @Override
    public GemmV1 c(float[] data, int off, int ld, boolean overwrite) {
        this.c = data;
        this.cOff = off;
        this.ldc = ld;
        this.overwrite = overwrite;
        this.bias = null;
        return this;
    }

    /** A(i, k) = {@code data[off + i*rowStride + k*colStride]}. */
    @Override
    public GemmV1 a(float[] data, int off, int rowStride, int colStride) {
        this.a = data;
        this.aOff = off;
        this.aRowStride = rowStride;
        this.aColStride = colStride;
        return this;
    }

    /** B(k, j) = {@code data[off + k*ld + j]}, or {@code data[off + j*ld + k]} when transposed. */
    @Override
    public GemmV1 b(float[] data, int off, int ld, boolean transposed) {
        this.b = data;
        this.bOff = off;
        this.ldb = ld;
        this.bTransposed = transposed;
        return this;
    }

    /** Initial value of row i of an overwritten C: {@code data[off + j]}. */
    @Override
    public GemmV1 bias(float[] data, int off) {
        this.bias = data;
        this.biasOff = off;
        return this;
    }

    @Override
    public void run(int rows, int depth, int cols) {
        this.rows = rows;
        this.depth = depth;
        this.cols = cols;
        int units = (cols + UNIT - 1) / UNIT;
        long perUnit = Math.max(1L, (long) rows * depth * UNIT);
        int minUnits = (int) Math.min(units, Math.max(1L, MIN_TASK_WORK / perUnit));
        try {
            pool.forEach(units, minUnits, task);
        } finally {
            c = null;
            a = null;
            b = null;
            bias = null;
        }
    }

    private void columns(int worker, int fromUnit, int toUnit) {
        int jEnd = Math.min(cols, toUnit * UNIT);
        float[][] tile = tile(worker);
        float[] acc = accs[worker];
        for (int j0 = fromUnit * UNIT; j0 < jEnd; j0 += JB) {
            int jn = Math.min(JB, jEnd - j0);
            if (depth == 0) {
                initRows(acc, j0, jn);
            }
            for (int k0 = 0; k0 < depth; k0 += KB) {
                int kn = Math.min(KB, depth - k0);
                pack(tile, k0, kn, j0, jn);
                for (int i = 0; i < rows; i++) {
                    int ci = cOff + i * ldc + j0;
                    if (k0 == 0 && overwrite) {
                        start(acc, j0, jn);
                    } else {
                        System.arraycopy(c, ci, acc, 0, jn);
                    }
                    micro(acc, jn, tile, kn, a, aOff + i * aRowStride + k0 * aColStride, aColStride);
                    System.arraycopy(acc, 0, c, ci, jn);
                }
            }
        }
    }

    private float[][] tile(int worker) {
        if (tiles[worker] == null) {
            tiles[worker] = new float[KB][JB];
            accs[worker] = new float[JB];
        }
        return tiles[worker];
    }

    /** A product with no depth: an overwritten C is just its start value. */
    private void initRows(float[] acc, int j0, int jn) {
        if (!overwrite) {
            return;
        }
        for (int i = 0; i < rows; i++) {
            start(acc, j0, jn);
            System.arraycopy(acc, 0, c, cOff + i * ldc + j0, jn);
        }
    }

    private void start(float[] acc, int j0, int jn) {
        if (bias != null) {
            System.arraycopy(bias, biasOff + j0, acc, 0, jn);
        } else {
            Arrays.fill(acc, 0, jn, 0f);
        }
    }

    /** tile[kk][jj] = B(k0 + kk, j0 + jj). */
    private void pack(float[][] tile, int k0, int kn, int j0, int jn) {
        if (!bTransposed) {
            for (int kk = 0; kk < kn; kk++) {
                System.arraycopy(b, bOff + (k0 + kk) * ldb + j0, tile[kk], 0, jn);
            }
            return;
        }
        for (int jj = 0; jj < jn; jj++) {
            int row = bOff + (j0 + jj) * ldb + k0;
            for (int kk = 0; kk < kn; kk++) {
                tile[kk][jj] = b[row + kk];
            }
        }
    }

    /** acc[0..jn) += sum over kk < kn of a[ao + kk*as] * tile[kk][0..jn), in groups of four kk. */
    private static void micro(float[] acc, int jn, float[][] tile, int kn, float[] a, int ao, int as) {
        int k = 0;
        for (; k + 3 < kn; k += 4, ao += 4 * as) {
            float a0 = a[ao];
            float a1 = a[ao + as];
            float a2 = a[ao + 2 * as];
            float a3 = a[ao + 3 * as];
            float[] t0 = tile[k];
            float[] t1 = tile[k + 1];
            float[] t2 = tile[k + 2];
            float[] t3 = tile[k + 3];
            for (int j = 0; j < jn; j++) {
                acc[j] += a0 * t0[j] + a1 * t1[j] + a2 * t2[j] + a3 * t3[j];
            }
        }
        for (; k < kn; k++, ao += as) {
            float a0 = a[ao];
            float[] t0 = tile[k];
            for (int j = 0; j < jn; j++) {
                acc[j] += a0 * t0[j];
            }
        }
    }
}
