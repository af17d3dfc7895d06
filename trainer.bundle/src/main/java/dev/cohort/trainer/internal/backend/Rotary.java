package dev.cohort.trainer.internal.backend;

/**
 * Rotary position embeddings in transformers' {@code rotate_half} convention: in each query and
 * key head of size d, element i pairs with element i + d/2, and both turn by the angle
 * {@code position * invFreq[i]} (transformers' {@code emb = cat(freqs, freqs)}):
 * {@code x'[i] = x[i] cos - x[i + d/2] sin}, {@code x'[i + d/2] = x[i + d/2] cos + x[i] sin}.
 * The angle is rounded to fp32 before cos and sin, as transformers computes
 * {@code inv_freq @ position_ids} in fp32. The value heads are copied. The backward turns the
 * gradient by the opposite angle (a rotation's transpose).
 */
final class Rotary {

    private static final int MIN_ROWS_PER_TASK = 16;

    private final ComputePool pool;

    Rotary(ComputePool pool) {
        this.pool = pool;
    }

    /** out (may be inp) from inp, both (N, qkvWidth). */
    void forward(ArrayTensor out, ArrayTensor inp, int[] positions, ArrayTensor invFreq, int n, Heads h) {
        run(out, inp, positions, invFreq, n, h, 1f, false);
    }

    /** Accumulates dinp from dout. */
    void backward(ArrayTensor dinp, ArrayTensor dout, int[] positions, ArrayTensor invFreq, int n, Heads h) {
        run(dinp, dout, positions, invFreq, n, h, -1f, true);
    }

    private void run(ArrayTensor out, ArrayTensor inp, int[] positions, ArrayTensor invFreq, int n, Heads h,
            float sign, boolean accumulate) {
        int half = h.size() / 2;
        int width = h.qkvWidth();
        int rotated = (h.q() + h.kv()) * h.size();
        pool.forEach(n, MIN_ROWS_PER_TASK, (worker, from, to) -> {
            float[] cos = new float[half];
            float[] sin = new float[half];
            for (int r = from; r < to; r++) {
                for (int i = 0; i < half; i++) {
                    float angle = positions[r] * invFreq.data[invFreq.offset + i];
                    cos[i] = (float) Math.cos(angle);
                    sin[i] = sign * (float) Math.sin(angle);
                }
                int x = inp.offset + r * width;
                int o = out.offset + r * width;
                for (int head = 0; head < h.q() + h.kv(); head++) {
                    int a = head * h.size();
                    for (int i = 0; i < half; i++) {
                        float x1 = inp.data[x + a + i];
                        float x2 = inp.data[x + a + i + half];
                        float y1 = x1 * cos[i] - x2 * sin[i];
                        float y2 = x2 * cos[i] + x1 * sin[i];
                        if (accumulate) {
                            out.data[o + a + i] += y1;
                            out.data[o + a + i + half] += y2;
                        } else {
                            out.data[o + a + i] = y1;
                            out.data[o + a + i + half] = y2;
                        }
                    }
                }
                for (int i = rotated; i < width; i++) {
                    out.data[o + i] = accumulate ? out.data[o + i] + inp.data[x + i] : inp.data[x + i];
                }
            }
        });
    }
}
