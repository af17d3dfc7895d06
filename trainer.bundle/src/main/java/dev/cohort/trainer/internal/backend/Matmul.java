package dev.cohort.trainer.internal.backend;

import dev.cohort.trainer.internal.backend.Backend.Layout;

/**
 * The matmul op and its backward, as products of {@link Gemm}. With inp (N, C), out (N, OC) and
 * W stored (C, OC) for IN_OUT or (OC, C) for OUT_IN:
 * <pre>
 * forward            out  = inp  · W                 (+ bias)
 * dinp   (N, C)     += dout · W^T
 * dW     IN_OUT     += inp^T · dout    (C, OC)
 * dW     OUT_IN     += dout^T · inp    (OC, C)
 * dbias  (OC)       += 1^T · dout      (column sums)
 * </pre>
 * A transposed operand on the A side is a stride, on the B side a transposing pack in Gemm.
 */
final class Matmul {

    private final GemmOps gemm;
    /** The all-ones row of the bias gradient, as an A with column stride 0. */
    private final float[] one = {1f};

    Matmul(ComputePool pool) {
        this(GemmSelect.create(pool));
    }

    /** Over another product implementation (the benchmark's copy of an earlier kernel). */
    Matmul(GemmOps gemm) {
        this.gemm = gemm;
    }

    /** out (N, OC) = inp (N, C) · W + bias; bias may be null. */
    void forward(ArrayTensor out, ArrayTensor inp, ArrayTensor w, ArrayTensor bias, int n, int c, int oc,
            Layout layout) {
        gemm.c(out.data, out.offset, oc, true)
                .a(inp.data, inp.offset, c, 1)
                .b(w.data, w.offset, layout == Layout.IN_OUT ? oc : c, layout == Layout.OUT_IN);
        if (bias != null) {
            gemm.bias(bias.data, bias.offset);
        }
        gemm.run(n, c, oc);
    }

    /** Accumulates dinp (may be null), dweight (null: a frozen weight) and dbias (may be null). */
    void backward(ArrayTensor dinp, ArrayTensor dw, ArrayTensor dbias, ArrayTensor dout, ArrayTensor inp,
            ArrayTensor w, int n, int c, int oc, Layout layout) {
        if (dinp != null) {
            // dinp (N, C) += dout (N, OC) · W^T; W^T (OC, C) is W read transposed for IN_OUT, as stored for OUT_IN
            gemm.c(dinp.data, dinp.offset, c, false)
                    .a(dout.data, dout.offset, oc, 1)
                    .b(w.data, w.offset, layout == Layout.IN_OUT ? oc : c, layout == Layout.IN_OUT)
                    .run(n, oc, c);
        }
        if (dw == null) {
            return;
        }
        if (layout == Layout.IN_OUT) {
            // dW (C, OC) += inp^T (C, N) · dout (N, OC)
            gemm.c(dw.data, dw.offset, oc, false)
                    .a(inp.data, inp.offset, 1, c)
                    .b(dout.data, dout.offset, oc, false)
                    .run(c, n, oc);
        } else {
            // dW (OC, C) += dout^T (OC, N) · inp (N, C)
            gemm.c(dw.data, dw.offset, c, false)
                    .a(dout.data, dout.offset, 1, oc)
                    .b(inp.data, inp.offset, c, false)
                    .run(oc, n, c);
        }
        if (dbias != null) {
            gemm.c(dbias.data, dbias.offset, oc, false)
                    .a(one, 0, 0, 0)
                    .b(dout.data, dout.offset, oc, false)
                    .run(1, n, oc);
        }
    }
}
