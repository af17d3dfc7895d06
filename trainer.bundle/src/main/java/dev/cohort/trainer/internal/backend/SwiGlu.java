package dev.cohort.trainer.internal.backend;

/**
 * The gated MLP activation of Llama-family models: {@code out = silu(gate) * up}, where each row
 * of the input (N, 2I) holds gate_proj's I outputs and then up_proj's I outputs (the two
 * projections stored as one (2I, C) weight). {@code silu(g) = g * sigmoid(g)}, sigmoid computed
 * as {@code 1 / (1 + exp(-g))} in fp32 as torch does.
 */
final class SwiGlu {

    private static final int MIN_ROWS_PER_TASK = 8;

    private final ComputePool pool;

    SwiGlu(ComputePool pool) {
        this.pool = pool;
    }

    /** out (N, I) from gateUp (N, 2I). */
    void forward(ArrayTensor out, ArrayTensor gateUp, int n, int width) {
        pool.forEach(n, MIN_ROWS_PER_TASK, (worker, from, to) -> {
            for (int r = from; r < to; r++) {
                int g = gateUp.offset + r * 2 * width;
                int o = out.offset + r * width;
                for (int i = 0; i < width; i++) {
                    float x = gateUp.data[g + i];
                    float sig = 1f / (1f + (float) Math.exp(-x));
                    out.data[o + i] = x * sig * gateUp.data[g + width + i];
                }
            }
        });
    }

    /**
     * Accumulates dgateUp (N, 2I): {@code dgate = dout * up * sig * (1 + g (1 - sig))},
     * {@code dup = dout * silu(g)}.
     */
    void backward(ArrayTensor dgateUp, ArrayTensor gateUp, ArrayTensor dout, int n, int width) {
        pool.forEach(n, MIN_ROWS_PER_TASK, (worker, from, to) -> {
            for (int r = from; r < to; r++) {
                int g = gateUp.offset + r * 2 * width;
                int dg = dgateUp.offset + r * 2 * width;
                int o = dout.offset + r * width;
                for (int i = 0; i < width; i++) {
                    float x = gateUp.data[g + i];
                    float up = gateUp.data[g + width + i];
                    float d = dout.data[o + i];
                    float sig = 1f / (1f + (float) Math.exp(-x));
                    dgateUp.data[dg + i] += d * up * sig * (1f + x * (1f - sig));
                    dgateUp.data[dg + width + i] += d * x * sig;
                }
            }
        });
    }
}
