package dev.cohort.trainer.internal.backend;

import java.util.Arrays;

/**
 * The one matrix product behind every matmul op: {@code C[i,j] (=|+=) sum_k A(i,k) B(k,j)} for
 * {@code i < rows, j < cols, k < depth}, cache-blocked and split over column ranges (or over
 * blocks of four rows when C is narrower than a tile per thread).
 * <p>
 * Each {@code kb x jb} block of B is packed into a per-worker tile whose rows are separate arrays
 * (it stays in L2 while every row of A streams past); four rows of C at a time are copied into
 * per-worker arrays, updated by {@link GemmKernel#rows4} over the whole tile, and copied back.
 * Packing also absorbs a transposed B ({@code B(k,j) = Bt[j,k]}), so one kernel serves both weight
 * layouts and both backward products.
 * <p>
 * Every element of C starts from the bias, zero or the old C and then gets
 * {@code c = fma(A(i,k), B(k,j), c)} for k ascending; the tile sizes and the thread split only
 * decide who computes it, so results do not depend on the thread count.
 */
class Gemm implements GemmOps {

    /** Default tile depth: with {@link #JB}, a 512 KiB tile (this machine's L2 is 2 MiB per core). */
    static final int KB = 128;
    /** Default tile width: long rows keep C2's vector loop in its unrolled main body. */
    static final int JB = 1024;
    /** Columns per unit of the thread split (a whole number of vectors). */
    private static final int UNIT = 16;
    /** Rows per unit of the row split: the four-row kernel's block. */
    private static final int ROW_UNIT = 4;
    /** Below this many multiply-adds per task, splitting costs more than it saves. */
    private static final long MIN_TASK_WORK = 1 << 17;

    private final ComputePool pool;
    final int kb;
    final int jb;
    private final int colUnit;
    private final int rowUnit;
    private final GemmTiles[] scratch;
    private final ComputePool.RangeTask byColumns = this::columns;
    private final ComputePool.RangeTask byRows = this::rowBlocks;

    // the current product, set by the fluent setters below and read by the workers (and VectorGemm)
    float[] c;
    int cOff;
    int ldc;
    float[] a;
    int aOff;
    int aRowStride;
    int aColStride;
    float[] b;
    int bOff;
    int ldb;
    boolean bTransposed;
    float[] bias;
    int biasOff;
    boolean overwrite;
    int rows;
    int depth;
    int cols;

    Gemm(ComputePool pool) {
        this(pool, KB, JB);
    }

    /** With a tile of {@code kb x jb} (jb a multiple of 16), for benchmarks of other shapes. */
    Gemm(ComputePool pool, int kb, int jb) {
        this(pool, kb, jb, UNIT, ROW_UNIT);
    }

    /**
     * Splitting the columns in units of {@code colUnit} (jb a multiple of it), the rows in units of
     * {@code rowUnit}: for {@link VectorGemm}, whose blocks are wider and taller.
     */
    Gemm(ComputePool pool, int kb, int jb, int colUnit, int rowUnit) {
        if (kb < 1 || jb < colUnit || jb % colUnit != 0) {
            throw new IllegalArgumentException("tile " + kb + " x " + jb + ": need kb >= 1 and jb a multiple of "
                    + colUnit);
        }
        this.pool = pool;
        this.kb = kb;
        this.jb = jb;
        this.colUnit = colUnit;
        this.rowUnit = rowUnit;
        this.scratch = new GemmTiles[pool.parallelism()];
    }

    @Override
    public Gemm c(float[] data, int off, int ld, boolean overwrite) {
        this.c = data;
        this.cOff = off;
        this.ldc = ld;
        this.overwrite = overwrite;
        this.bias = null;
        return this;
    }

    @Override
    public Gemm a(float[] data, int off, int rowStride, int colStride) {
        this.a = data;
        this.aOff = off;
        this.aRowStride = rowStride;
        this.aColStride = colStride;
        return this;
    }

    @Override
    public Gemm b(float[] data, int off, int ld, boolean transposed) {
        this.b = data;
        this.bOff = off;
        this.ldb = ld;
        this.bTransposed = transposed;
        return this;
    }

    @Override
    public Gemm bias(float[] data, int off) {
        this.bias = data;
        this.biasOff = off;
        return this;
    }

    @Override
    public void run(int rows, int depth, int cols) {
        this.rows = rows;
        this.depth = depth;
        this.cols = cols;
        // split rows when a column split would cut C's rows shorter than a tile (shorter vector loops)
        boolean splitRows = cols < pool.parallelism() * jb && rows >= 2 * rowUnit * pool.parallelism();
        int unit = splitRows ? rowUnit : colUnit;
        int units = splitRows ? (rows + unit - 1) / unit : (cols + unit - 1) / unit;
        long perUnit = Math.max(1L, (long) (splitRows ? cols : rows) * depth * unit);
        int minUnits = (int) Math.min(units, Math.max(1L, MIN_TASK_WORK / perUnit));
        try {
            pool.forEach(units, minUnits, splitRows ? byRows : byColumns);
        } finally {
            c = null;
            a = null;
            b = null;
            bias = null;
        }
    }

    private void columns(int worker, int fromUnit, int toUnit) {
        block(worker, 0, rows, fromUnit * colUnit, Math.min(cols, toUnit * colUnit));
    }

    private void rowBlocks(int worker, int fromUnit, int toUnit) {
        block(worker, fromUnit * rowUnit, Math.min(rows, toUnit * rowUnit), 0, cols);
    }

    /** Rows [i0, i1) and columns [jFrom, jEnd) of C, by {@code worker}'s thread. */
    void block(int worker, int i0, int i1, int jFrom, int jEnd) {
        GemmTiles s = tiles(worker);
        for (int j0 = jFrom; j0 < jEnd; j0 += jb) {
            int jn = Math.min(jb, jEnd - j0);
            if (depth == 0) {
                initRows(s.acc[0], i0, i1, j0, jn);
            }
            for (int k0 = 0; k0 < depth; k0 += kb) {
                int kn = Math.min(kb, depth - k0);
                if (bTransposed) {
                    s.packTransposed(b, bOff + j0 * ldb + k0, ldb, kn, jn);
                } else {
                    s.pack(b, bOff + k0 * ldb + j0, ldb, kn, jn);
                }
                boolean fresh = k0 == 0 && overwrite;
                int i = i0;
                for (; i + 3 < i1; i += 4) {
                    fourRows(s, i, fresh, j0, jn, k0, kn);
                }
                for (; i < i1; i++) {
                    float[] acc = load(s.acc[0], i, fresh, j0, jn);
                    GemmKernel.row1(acc, jn, s.tile, kn, a, aOff + i * aRowStride + k0 * aColStride, aColStride);
                    System.arraycopy(acc, 0, c, cOff + i * ldc + j0, jn);
                }
            }
        }
    }

    private void fourRows(GemmTiles s, int i, boolean fresh, int j0, int jn, int k0, int kn) {
        float[][] acc = s.acc;
        for (int r = 0; r < 4; r++) {
            load(acc[r], i + r, fresh, j0, jn);
        }
        GemmKernel.rows4(acc[0], acc[1], acc[2], acc[3], jn, s.tile, kn, a,
                aOff + i * aRowStride + k0 * aColStride, aRowStride, aColStride);
        for (int r = 0; r < 4; r++) {
            System.arraycopy(acc[r], 0, c, cOff + (i + r) * ldc + j0, jn);
        }
    }

    /** acc[0..jn) = row i of C from column j0, or its start value when fresh. */
    float[] load(float[] acc, int i, boolean fresh, int j0, int jn) {
        if (!fresh) {
            System.arraycopy(c, cOff + i * ldc + j0, acc, 0, jn);
        } else if (bias != null) {
            System.arraycopy(bias, biasOff + j0, acc, 0, jn);
        } else {
            Arrays.fill(acc, 0, jn, 0f);
        }
        return acc;
    }

    private GemmTiles tiles(int worker) {
        if (scratch[worker] == null) {
            scratch[worker] = new GemmTiles(kb, jb);
        }
        return scratch[worker];
    }

    /** A product with no depth: an overwritten C is just its start value. */
    private void initRows(float[] acc, int i0, int i1, int j0, int jn) {
        if (!overwrite) {
            return;
        }
        for (int i = i0; i < i1; i++) {
            load(acc, i, true, j0, jn);
            System.arraycopy(acc, 0, c, cOff + i * ldc + j0, jn);
        }
    }
}
