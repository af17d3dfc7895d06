package dev.cohort.trainer.internal.backend;

/**
 * A matrix product {@code C[i,j] (=|+=) sum_k A(i,k) B(k,j)} described by fluent setters, then run:
 * the interface of {@link Gemm}, so that {@link Matmul} can drive another implementation (the
 * benchmark compares the previous kernel with the current one through the same op code).
 */
interface GemmOps {

    /** C (rows, cols) at {@code off}, row stride {@code ld}; overwritten (from bias or zero) or accumulated into. */
    GemmOps c(float[] data, int off, int ld, boolean overwrite);

    /** A(i, k) = {@code data[off + i*rowStride + k*colStride]}. */
    GemmOps a(float[] data, int off, int rowStride, int colStride);

    /** B(k, j) = {@code data[off + k*ld + j]}, or {@code data[off + j*ld + k]} when transposed. */
    GemmOps b(float[] data, int off, int ld, boolean transposed);

    /** Initial value of row i of an overwritten C: {@code data[off + j]}; cleared by {@link #c}. */
    GemmOps bias(float[] data, int off);

    /** Runs the product over {@code i < rows, k < depth, j < cols}. */
    void run(int rows, int depth, int cols);
}
