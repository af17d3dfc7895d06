package dev.cohort.trainer.internal.backend;

/**
 * LoRA's product beside a frozen one, and dropout, as products of {@link Gemm}. With inp (N, C),
 * A (R, C), B (OC, R) and the frozen product's output (N, LDO) whose columns [col, col + OC) the
 * adapter adds to:
 * <pre>
 * forward   h (N, R)      = scale * inp · A^T
 *           out[:, cols] += h · B^T
 * backward  dB (OC, R)   += dout[:, cols]^T · h
 *           dh (N, R)     = scale * dout[:, cols] · B
 *           dA (R, C)    += dh^T · inp
 *           dinp (N, C)  += dh · A
 * </pre>
 * h is saved scaled, so dB needs no scale of its own.
 */
final class Lora {

    private final GemmOps gemm;

    Lora(ComputePool pool) {
        this.gemm = GemmSelect.create(pool);
    }

    void forward(ArrayTensor out, int ldo, int col, ArrayTensor h, ArrayTensor inp, ArrayTensor a, ArrayTensor b,
            int n, int c, int r, int oc, float scale) {
        gemm.c(h.data, h.offset, r, true).a(inp.data, inp.offset, c, 1).b(a.data, a.offset, c, true).run(n, c, r);
        scale(h, n * r, scale);
        gemm.c(out.data, out.offset + col, ldo, false).a(h.data, h.offset, r, 1).b(b.data, b.offset, r, true)
                .run(n, r, oc);
    }

    void backward(ArrayTensor dinp, ArrayTensor da, ArrayTensor db, ArrayTensor dh, ArrayTensor dout, int ldo, int col,
            ArrayTensor inp, ArrayTensor h, ArrayTensor a, ArrayTensor b, int n, int c, int r, int oc, float scale) {
        gemm.c(db.data, db.offset, r, false).a(dout.data, dout.offset + col, 1, ldo).b(h.data, h.offset, r, false)
                .run(oc, n, r);
        gemm.c(dh.data, dh.offset, r, true).a(dout.data, dout.offset + col, ldo, 1).b(b.data, b.offset, r, false)
                .run(n, oc, r);
        scale(dh, n * r, scale);
        gemm.c(da.data, da.offset, c, false).a(dh.data, dh.offset, 1, r).b(inp.data, inp.offset, c, false)
                .run(r, n, c);
        if (dinp != null) {
            gemm.c(dinp.data, dinp.offset, c, false).a(dh.data, dh.offset, r, 1).b(a.data, a.offset, c, false)
                    .run(n, r, c);
        }
    }

    private static void scale(ArrayTensor t, int n, float s) {
        for (int i = 0; i < n; i++) {
            t.data[t.offset + i] *= s;
        }
    }

    /**
     * Inverted dropout: forward {@code out = keep(i) ? inp / (1 - p) : 0}; backward
     * {@code out += keep(i) ? inp / (1 - p) : 0} (out is dinp, inp is dout).
     */
    static void dropout(ArrayTensor out, ArrayTensor inp, int n, float p, long seed, boolean backward) {
        float keepScale = 1f / (1f - p);
        for (int i = 0; i < n; i++) {
            float v = kept(seed, i, p) ? inp.data[inp.offset + i] * keepScale : 0f;
            if (backward) {
                out.data[out.offset + i] += v;
            } else {
                out.data[out.offset + i] = v;
            }
        }
    }

    /** Element i survives when 24 bits of a hash of (seed, i), as a fraction of 2^24, are at least p. */
    static boolean kept(long seed, long i, float p) {
        return (SplitMix64.seed(seed, i) >>> 40) * 0x1.0p-24 >= p;
    }
}
