package dev.cohort.trainer.internal.backend;

/**
 * RMSNorm as transformers' LlamaRMSNorm: {@code out = x / sqrt(mean(x^2) + eps) * weight} over
 * rows of {@code width} elements, the statistic in at least fp32 (here double). Rows are taken
 * from a strided layout so that one kernel serves the block norms (one row per position) and
 * Qwen3's per-head q/k norms (the first {@code q + kv} heads of each qkv row, query heads with
 * one weight and key heads with another; the value heads are copied). Forward and input
 * gradient are parallel over positions; the weight gradient over columns, each summed over rows
 * in ascending order, so no result depends on the thread count.
 */
final class RmsNorm {

    private static final int MIN_ROWS_PER_TASK = 16;

    /**
     * Rows of one call: {@code positions} positions of {@code stride} elements, each holding
     * {@code heads} normalised rows of {@code width} (the first {@code qHeads} use weight
     * {@code w0}, the rest {@code w1}) and then {@code copy} elements passed through unchanged.
     */
    record Rows(int positions, int stride, int heads, int qHeads, int width, int copy) {
        static Rows plain(int n, int c) {
            return new Rows(n, c, 1, 1, c, 0);
        }

        static Rows heads(int n, Heads h) {
            return new Rows(n, h.qkvWidth(), h.q() + h.kv(), h.q(), h.size(), h.kvWidth());
        }

        long statistics() {
            return (long) positions * heads;
        }
    }

    private final ComputePool pool;

    RmsNorm(ComputePool pool) {
        this.pool = pool;
    }

    /** out (may be inp) and rstd (one per normalised row) from inp. */
    void forward(ArrayTensor out, ArrayTensor rstd, ArrayTensor inp, ArrayTensor w0, ArrayTensor w1, Rows r,
            float eps) {
        pool.forEach(r.positions(), MIN_ROWS_PER_TASK, (worker, from, to) -> {
            for (int p = from; p < to; p++) {
                int base = p * r.stride();
                for (int h = 0; h < r.heads(); h++) {
                    ArrayTensor w = h < r.qHeads() ? w0 : w1;
                    int x = inp.offset + base + h * r.width();
                    double ss = 0;
                    for (int i = 0; i < r.width(); i++) {
                        double v = inp.data[x + i];
                        ss += v * v;
                    }
                    float s = (float) (1.0 / Math.sqrt(ss / r.width() + eps));
                    rstd.data[rstd.offset + p * r.heads() + h] = s;
                    int o = out.offset + base + h * r.width();
                    for (int i = 0; i < r.width(); i++) {
                        out.data[o + i] = w.data[w.offset + i] * (inp.data[x + i] * s);
                    }
                }
                int tail = base + r.heads() * r.width();
                if (r.copy() > 0 && (out.data != inp.data || out.offset != inp.offset)) {
                    System.arraycopy(inp.data, inp.offset + tail, out.data, out.offset + tail, r.copy());
                }
            }
        });
    }

    /**
     * Accumulates dinp (the copied part's gradient passes through) and the weight gradients:
     * with n = x * rstd, {@code dx = rstd * (w dy - n * mean(w dy n))}, {@code dw += dy n}.
     */
    void backward(ArrayTensor dinp, ArrayTensor dw0, ArrayTensor dw1, ArrayTensor dout, ArrayTensor inp,
            ArrayTensor w0, ArrayTensor w1, ArrayTensor rstd, Rows r) {
        pool.forEach(r.positions(), MIN_ROWS_PER_TASK, (worker, from, to) -> {
            for (int p = from; p < to; p++) {
                int base = p * r.stride();
                for (int h = 0; h < r.heads(); h++) {
                    ArrayTensor w = h < r.qHeads() ? w0 : w1;
                    int off = base + h * r.width();
                    float s = rstd.data[rstd.offset + p * r.heads() + h];
                    double dot = 0;
                    for (int i = 0; i < r.width(); i++) {
                        dot += (double) w.data[w.offset + i] * dout.data[dout.offset + off + i]
                                * (inp.data[inp.offset + off + i] * s);
                    }
                    float mean = (float) (dot / r.width());
                    for (int i = 0; i < r.width(); i++) {
                        float n = inp.data[inp.offset + off + i] * s;
                        float g = w.data[w.offset + i] * dout.data[dout.offset + off + i];
                        dinp.data[dinp.offset + off + i] += s * (g - n * mean);
                    }
                }
                int tail = base + r.heads() * r.width();
                for (int i = 0; i < r.copy(); i++) {
                    dinp.data[dinp.offset + tail + i] += dout.data[dout.offset + tail + i];
                }
            }
        });
        weightGrads(dw0, 0, r.qHeads(), dout, inp, rstd, r);
        if (r.heads() > r.qHeads()) {
            weightGrads(dw1, r.qHeads(), r.heads(), dout, inp, rstd, r);
        }
    }

    /** dw[i] += sum over positions and heads [h0, h1) of dout * x * rstd, rows in ascending order. */
    private void weightGrads(ArrayTensor dw, int h0, int h1, ArrayTensor dout, ArrayTensor inp, ArrayTensor rstd,
            Rows r) {
        pool.forEach(r.width(), 64, (worker, from, to) -> {
            for (int p = 0; p < r.positions(); p++) {
                for (int h = h0; h < h1; h++) {
                    int off = p * r.stride() + h * r.width();
                    float s = rstd.data[rstd.offset + p * r.heads() + h];
                    for (int i = from; i < to; i++) {
                        dw.data[dw.offset + i] += dout.data[dout.offset + off + i] * (inp.data[inp.offset + off + i] * s);
                    }
                }
            }
        });
    }
}
