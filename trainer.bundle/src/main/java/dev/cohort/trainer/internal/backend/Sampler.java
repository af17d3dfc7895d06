package dev.cohort.trainer.internal.backend;

import java.util.Arrays;

/**
 * Samples one token per row of logits (n, V), parallel over rows; row r draws from its own
 * {@link SplitMix64} state {@code rng[r]}, one 64-bit step per sampled (non-greedy) row, so a
 * seed reproduces a row whatever else is in the batch and however rows are split over threads.
 * <p>
 * With {@code z = logits/T} and {@code e_i = exp(z_i - max z)} (so the top token has e = 1):
 * top-k keeps the k largest (ties to the lower id); top-p then keeps the smallest prefix, by
 * descending probability, whose probability renormalised over the tokens top-k kept reaches p;
 * min-p then drops tokens with {@code p < minP * pmax}, that is {@code e < minP}. The draw is
 * from what is left, renormalised. The logprob written is that of the token under softmax(z)
 * before filtering; at temperature 0 the token is the argmax (lowest id on ties) and its logprob
 * under the greedy (one-hot) policy is 0. {@code logprobsT1} is always the token's log-prob
 * under softmax(logits).
 * <p>
 * Sorting all 50257 tokens per row is avoided where possible: the tokens with e at or above a
 * threshold are a prefix of the descending order, so when they already contain the top-k set
 * (or the whole nucleus) only they are sorted; thresholds 1e-3, 1e-7, then everything.
 */
final class Sampler {

    private static final int MIN_ROWS_PER_TASK = 4;
    private static final double[] PREFILTER = {1e-3, 1e-7, 0.0};

    private final ComputePool pool;
    private final double[][] exps;
    private final long[][] keys;
    private final ComputePool.RangeTask task = this::rows;

    private int[] tokens;
    private float[] logprobs;
    private float[] logprobsT1;
    private ArrayTensor logits;
    private int v;
    private float temperature;
    private int topK;
    private float topP;
    private float minP;
    private long[] rng;

    Sampler(ComputePool pool) {
        this.pool = pool;
        this.exps = new double[pool.parallelism()][0];
        this.keys = new long[pool.parallelism()][0];
    }

    void sample(int[] tokens, float[] logprobs, float[] logprobsT1, ArrayTensor logits, int n, int v,
            float temperature, int topK, float topP, float minP, long[] rng) {
        this.tokens = tokens;
        this.logprobs = logprobs;
        this.logprobsT1 = logprobsT1;
        this.logits = logits;
        this.v = v;
        this.temperature = temperature;
        this.topK = topK > 0 && topK < v ? topK : 0;
        this.topP = topP;
        this.minP = minP;
        this.rng = rng;
        try {
            pool.forEach(n, MIN_ROWS_PER_TASK, task);
        } finally {
            this.tokens = null;
            this.logprobs = null;
            this.logprobsT1 = null;
            this.logits = null;
            this.rng = null;
        }
    }

    private void rows(int worker, int from, int to) {
        if (exps[worker].length < v) {
            exps[worker] = new double[v];
            keys[worker] = new long[v];
        }
        for (int r = from; r < to; r++) {
            int row = logits.offset + r * v;
            float max = Logprobs.max(logits.data, row, v);
            int token;
            if (temperature == 0f) {
                token = argmax(logits.data, row, v);
                logprobs[r] = 0f;
            } else {
                double[] e = exps[worker];
                double sum = exponentials(e, row, max, temperature);
                token = draw(e, keys[worker], row, sum, SplitMix64.nextDouble(rng, r));
                logprobs[r] = (float) ((logits.data[row + token] - (double) max) / temperature - Math.log(sum));
            }
            tokens[r] = token;
            logprobsT1[r] = temperature == 1f ? logprobs[r] : logprobAtOne(row, max, token);
        }
    }

    private static int argmax(float[] x, int row, int v) {
        int best = 0;
        for (int i = 1; i < v; i++) {
            if (x[row + i] > x[row + best]) {
                best = i;
            }
        }
        return best;
    }

    /** e[i] = exp((x_i - max) / t); returns their sum (double: see {@link Logprobs}). */
    private double exponentials(double[] e, int row, float max, double t) {
        float[] x = logits.data;
        double sum = 0;
        for (int i = 0; i < v; i++) {
            e[i] = Math.exp((x[row + i] - (double) max) / t);
            sum += e[i];
        }
        return sum;
    }

    private float logprobAtOne(int row, float max, int token) {
        float[] x = logits.data;
        double sum = 0;
        for (int i = 0; i < v; i++) {
            sum += Math.exp(x[row + i] - (double) max);
        }
        return (float) (x[row + token] - (double) max - Math.log(sum));
    }

    /** The token that uniform {@code u} in [0, 1) selects from the filtered distribution. */
    private int draw(double[] e, long[] key, int row, double sum, double u) {
        if (topK == 0 && topP >= 1f) {
            return drawUnsorted(e, u);
        }
        for (double threshold : PREFILTER) {
            int count = gather(e, key, row, threshold);
            if (threshold == 0.0 || covers(e, key, count, sum)) {
                Arrays.sort(key, 0, count);
                return drawSorted(e, key, count, sum, u);
            }
        }
        throw new IllegalStateException("unreachable: the last prefilter keeps every token");
    }

    /** No top-k or top-p: keep e >= minP, walk ids in order. */
    private int drawUnsorted(double[] e, double u) {
        double kept = 0;
        for (int i = 0; i < v; i++) {
            kept += e[i] >= minP ? e[i] : 0;
        }
        double target = u * kept;
        double acc = 0;
        int last = 0;
        for (int i = 0; i < v; i++) {
            if (e[i] >= minP) {
                acc += e[i];
                last = i;
                if (target < acc) {
                    return i;
                }
            }
        }
        return last;
    }

    /** Sort keys of the tokens with e >= threshold: ascending key = ascending logit, then descending id. */
    private int gather(double[] e, long[] key, int row, double threshold) {
        float[] x = logits.data;
        int count = 0;
        for (int i = 0; i < v; i++) {
            if (e[i] >= threshold) {
                int bits = Float.floatToRawIntBits(x[row + i]);
                long ordered = bits ^ ((bits >> 31) & 0x7fffffff);
                key[count++] = (ordered << 32) | (Integer.MAX_VALUE - i);
            }
        }
        return count;
    }

    /** Whether the gathered prefix holds the whole top-k set, or without top-k the whole nucleus. */
    private boolean covers(double[] e, long[] key, int count, double sum) {
        if (topK > 0) {
            return count >= topK;
        }
        double mass = 0;
        for (int j = 0; j < count; j++) {
            mass += e[id(key[j])];
        }
        return mass >= topP * sum;
    }

    private int drawSorted(double[] e, long[] key, int count, double sum, double u) {
        int kept = topK > 0 ? Math.min(count, topK) : count;
        double total = topK > 0 ? prefixMass(e, key, count, kept) : sum;
        if (topP < 1f) {
            double acc = 0;
            for (int j = 0; j < kept; j++) {
                acc += e[id(key[count - 1 - j])];
                if (acc >= topP * total) {
                    kept = j + 1;
                    break;
                }
            }
        }
        while (kept > 1 && e[id(key[count - kept])] < minP) {
            kept--;
        }
        double target = u * prefixMass(e, key, count, kept);
        double acc = 0;
        for (int j = 0; j < kept; j++) {
            int token = id(key[count - 1 - j]);
            acc += e[token];
            if (target < acc) {
                return token;
            }
        }
        return id(key[count - kept]);
    }

    /** Sum of e over the first {@code len} tokens in descending order. */
    private static double prefixMass(double[] e, long[] key, int count, int len) {
        double mass = 0;
        for (int j = 0; j < len; j++) {
            mass += e[id(key[count - 1 - j])];
        }
        return mass;
    }

    private static int id(long key) {
        return Integer.MAX_VALUE - (int) (key & 0xffffffffL);
    }
}
