package dev.cohort.trainer.internal.backend;

/**
 * Log-probabilities of target tokens under softmax(logits / temperature), with the entropy, and
 * the gradient of a weighted sum of them; parallel over rows.
 * <p>
 * Numerically stable: with {@code z = logits/T} and {@code m = max z}, {@code e_i = exp(z_i - m)}
 * lie in (0, 1] and {@code S = sum e_i} in [1, V], so nothing overflows, and
 * {@code log p_t = (z_t - m) - log S}; the entropy is {@code log S - sum e_i (z_i - m) / S}.
 * The sums run in double: they add 50257 terms of very different sizes, where a float sum would
 * lose the small probabilities that the entropy and the gradient are made of.
 */
final class Logprobs {

    private static final int MIN_ROWS_PER_TASK = 2;

    private final ComputePool pool;
    private final double[][] exps;
    private final ComputePool.RangeTask forwardTask = this::forwardRows;
    private final ComputePool.RangeTask backwardTask = this::backwardRows;

    private float[] logprobs;
    private float[] entropy;
    private float[] g;
    private ArrayTensor logits;
    private ArrayTensor dlogits;
    private int[] targets;
    private int v;
    private double temperature;

    Logprobs(ComputePool pool) {
        this.pool = pool;
        this.exps = new double[pool.parallelism()][0];
    }

    void forward(float[] logprobs, float[] entropy, ArrayTensor logits, int[] targets, int n, int v,
            float temperature) {
        set(logits, targets, v, temperature);
        this.logprobs = logprobs;
        this.entropy = entropy;
        try {
            pool.forEach(n, MIN_ROWS_PER_TASK, forwardTask);
        } finally {
            this.logprobs = null;
            this.entropy = null;
            set(null, null, 0, 1f);
        }
    }

    private void forwardRows(int worker, int from, int to) {
        float[] x = logits.data;
        for (int r = from; r < to; r++) {
            int target = targets[r];
            if (target < 0) {
                logprobs[r] = 0f;
                if (entropy != null) {
                    entropy[r] = 0f;
                }
                continue;
            }
            int row = logits.offset + r * v;
            float max = max(x, row, v);
            double sum = 0;
            double weighted = 0;
            for (int i = 0; i < v; i++) {
                double d = (x[row + i] - (double) max) / temperature;
                double e = Math.exp(d);
                sum += e;
                weighted += e * d;
            }
            double logSum = Math.log(sum);
            logprobs[r] = (float) ((x[row + target] - (double) max) / temperature - logSum);
            if (entropy != null) {
                entropy[r] = (float) (logSum - weighted / sum);
            }
        }
    }

    /** dlogits[r,:] = g[r] (onehot(target) - softmax(logits/T)) / T; zero where target < 0. */
    void backward(ArrayTensor dlogits, ArrayTensor logits, int[] targets, float[] g, int n, int v, float temperature) {
        set(logits, targets, v, temperature);
        this.dlogits = dlogits;
        this.g = g;
        try {
            pool.forEach(n, MIN_ROWS_PER_TASK, backwardTask);
        } finally {
            this.dlogits = null;
            this.g = null;
            set(null, null, 0, 1f);
        }
    }

    private void backwardRows(int worker, int from, int to) {
        if (exps[worker].length < v) {
            exps[worker] = new double[v];
        }
        double[] e = exps[worker];
        float[] x = logits.data;
        float[] dx = dlogits.data;
        for (int r = from; r < to; r++) {
            int out = dlogits.offset + r * v;
            int target = targets[r];
            if (target < 0) {
                java.util.Arrays.fill(dx, out, out + v, 0f);
                continue;
            }
            int row = logits.offset + r * v;
            float max = max(x, row, v);
            double sum = 0;
            for (int i = 0; i < v; i++) {
                e[i] = Math.exp((x[row + i] - (double) max) / temperature);
                sum += e[i];
            }
            double scale = g[r] / temperature;
            double norm = scale / sum;
            for (int i = 0; i < v; i++) {
                dx[out + i] = (float) (-e[i] * norm);
            }
            dx[out + target] = (float) (scale - e[target] * norm);
        }
    }

    static float max(float[] x, int off, int len) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    private void set(ArrayTensor logits, int[] targets, int v, float temperature) {
        this.logits = logits;
        this.targets = targets;
        this.v = v;
        this.temperature = temperature;
    }
}
