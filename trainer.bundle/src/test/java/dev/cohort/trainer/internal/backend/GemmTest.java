package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.Fixtures.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/**
 * The product's arithmetic is fixed: each C element starts from the bias, zero or its old value
 * and then gets {@code c = fma(A(i,k), B(k,j), c)} for k ascending. These tests hold Gemm to that
 * bit for bit against a plain scalar loop written from the definition, with tile shapes that
 * put edges everywhere (depth not a multiple of the tile depth or of two, rows not a multiple of
 * four, widths crossing tiles and the thread split) and with one and three threads, over every
 * operand form the matmul op uses: B as stored or transposed, A by rows or strided (transposed),
 * overwrite with and without bias, accumulate. The Vector API kernel ({@link VectorGemm}, whose
 * tiles are whole panels of {@link VectorKernel#NR} columns) is held to the same bits, with rows
 * crossing its six-row blocks and its {@link VectorGemm#MC}-row blocks, columns crossing panels,
 * the row and the column thread split, and widths under one panel (its plain fallback).
 */
class GemmTest {

    /** Tile shapes: the default, and small ones whose edges fall inside every dimension below. */
    private static final int[][] TILES = {{Gemm.KB, Gemm.JB}, {3, 16}, {8, 48}};
    /** rows, depth, cols. */
    private static final int[][] SHAPES = {{7, 131, 530}, {4, 5, 33}, {1, 1, 17}, {9, 2, 64}, {13, 260, 100}};
    /** Shapes for the vector kernel: rows past MC (96) and off six, widths off a panel, one narrow, one short. */
    private static final int[][] VECTOR_SHAPES = {{13, 260, 100}, {103, 37, 150}, {6, 9, 64}, {40, 17, 200},
        {5, 11, 20}, {1, 3, 65}};

    @Test
    void everyTileShapeAndThreadCountGivesTheScalarDefinitionsBits() {
        for (int[] s : SHAPES) {
            for (int form = 0; form < 16; form++) {
                Operands op = new Operands(s[0], s[1], s[2], form);
                float[] expected = op.reference();
                for (int threads : new int[] {1, 3}) {
                    try (ComputePool pool = new ComputePool(threads)) {
                        for (int[] tile : TILES) {
                            float[] got = op.run(new Gemm(pool, tile[0], tile[1]));
                            assertArrayEquals(expected, got, op + ", tile " + tile[0] + " x " + tile[1] + ", "
                                    + threads + " threads");
                        }
                    }
                }
            }
        }
    }

    /**
     * The vector kernel's check: run by {@link VectorGemmCheck} in a JVM with the incubator module
     * (see {@link VectorGemmForkTest}), since this test JVM runs without it.
     */
    static void vectorKernelGivesTheScalarDefinitionsBits() {
        // the default tile, and ones a panel or two wide with depths off the tile (not a static
        // field: this class must load without the incubator module)
        int[][] vectorTiles = {{VectorGemm.KB, 1024}, {3, VectorKernel.NR}, {8, 2 * VectorKernel.NR}};
        for (int[] s : VECTOR_SHAPES) {
            for (int form = 0; form < 16; form++) {
                Operands op = new Operands(s[0], s[1], s[2], form);
                float[] expected = op.reference();
                for (int threads : new int[] {1, 3}) {
                    try (ComputePool pool = new ComputePool(threads)) {
                        for (int[] tile : vectorTiles) {
                            float[] got = op.run(new VectorGemm(pool, tile[0], tile[1]));
                            assertArrayEquals(expected, got, op + ", vector tile " + tile[0] + " x " + tile[1] + ", "
                                    + threads + " threads");
                        }
                    }
                }
            }
        }
        try (ComputePool pool = new ComputePool(2)) {
            for (int form = 0; form < 16; form++) {
                Operands op = new Operands(7, 0, 70, form);
                assertArrayEquals(op.reference(), op.run(new VectorGemm(pool)), "vector, " + op);
            }
        }
    }

    @Test
    void zeroDepthLeavesTheStartValue() {
        try (ComputePool pool = new ComputePool(2)) {
            for (int form = 0; form < 16; form++) {
                Operands op = new Operands(5, 0, 40, form);
                assertArrayEquals(op.reference(), op.run(new Gemm(pool)), op.toString());
            }
        }
    }

    /** One product's operands; the bits of {@code form} pick transposed B, strided A, bias, accumulate. */
    private static final class Operands {
        final int rows;
        final int depth;
        final int cols;
        final boolean bTransposed;
        final boolean aStrided;
        final boolean withBias;
        final boolean accumulate;
        final float[] a;
        final float[] b;
        final float[] bias;
        final float[] c0;

        Operands(int rows, int depth, int cols, int form) {
            this.rows = rows;
            this.depth = depth;
            this.cols = cols;
            this.bTransposed = (form & 1) != 0;
            this.aStrided = (form & 2) != 0;
            this.withBias = (form & 4) != 0;
            this.accumulate = (form & 8) != 0;
            // offsets of 3 and 5 elements: the product must honour them, not assume 0
            this.a = uniform(1, 3 + rows * depth, 1f);
            this.b = uniform(2, 5 + depth * cols, 1f);
            this.bias = uniform(3, 2 + cols, 1f);
            this.c0 = uniform(4, 1 + rows * cols, 1f);
        }

        float aAt(int i, int k) {
            return aStrided ? a[3 + k * rows + i] : a[3 + i * depth + k];
        }

        float bAt(int k, int j) {
            return bTransposed ? b[5 + j * depth + k] : b[5 + k * cols + j];
        }

        float[] reference() {
            float[] c = c0.clone();
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    float v = accumulate ? c[1 + i * cols + j] : withBias ? bias[2 + j] : 0f;
                    for (int k = 0; k < depth; k++) {
                        v = Math.fma(aAt(i, k), bAt(k, j), v);
                    }
                    c[1 + i * cols + j] = v;
                }
            }
            return c;
        }

        float[] run(Gemm g) {
            float[] c = c0.clone();
            g.c(c, 1, cols, !accumulate)
                    .a(a, 3, aStrided ? 1 : depth, aStrided ? rows : 1)
                    .b(b, 5, bTransposed ? depth : cols, bTransposed);
            if (withBias && !accumulate) {
                g.bias(bias, 2);
            }
            g.run(rows, depth, cols);
            return c;
        }

        @Override
        public String toString() {
            return rows + " x " + depth + " x " + cols + (bTransposed ? ", B transposed" : "")
                    + (aStrided ? ", A strided" : "") + (withBias && !accumulate ? ", bias" : "")
                    + (accumulate ? ", accumulate" : ", overwrite");
        }
    }
}
