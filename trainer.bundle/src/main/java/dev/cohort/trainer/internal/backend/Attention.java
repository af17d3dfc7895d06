package dev.cohort.trainer.internal.backend;

import java.util.Arrays;

/**
 * Causal self-attention for training, multi-head or grouped-query ({@link Heads}): forward and
 * backward; {@link CachedAttention} is the decoding step. qkv rows hold the query heads, then the
 * key heads, then the value heads; query head h reads key/value head h / group. The forward is
 * parallel over (batch, query head) pairs, the backward over (batch, key/value head) pairs, each
 * of which handles its group's query heads in ascending order (they add into the same key and
 * value gradients).
 * <p>
 * Each pair's keys and values are first copied into per-worker arrays (keys transposed), so that
 * the inner loops are axpy updates over arrays with a common index, which the JIT vectorises.
 * A score is summed over d in ascending order and then scaled; the cached step does exactly the
 * same arithmetic, so it reproduces the training forward's row bit for bit. Pairs write disjoint
 * parts of every output, so no result depends on the thread count.
 */
final class Attention {

    private final ComputePool pool;
    private final AttentionScratch[] scratch;
    private final ComputePool.RangeTask forwardTask = this::forwardPairs;
    private final ComputePool.RangeTask backwardTask = this::backwardPairs;

    // the current call
    private float[] out;
    private int outOff;
    private float[] att;
    private int attOff;
    private float[] qkv;
    private int qkvOff;
    private float[] dqkv;
    private int dqkvOff;
    private float[] datt;
    private int dattOff;
    private float[] dout;
    private int doutOff;
    private int t;
    private Heads heads;

    Attention(ComputePool pool) {
        this.pool = pool;
        this.scratch = new AttentionScratch[pool.parallelism()];
        for (int i = 0; i < scratch.length; i++) {
            scratch[i] = new AttentionScratch();
        }
    }

    // ---------------------------------------------------------------- forward

    /** out (B, T, NH*hs), att (B, NH, T, T) from qkv (B, T, (NH + 2 NKV) hs). */
    void forward(ArrayTensor out, ArrayTensor att, ArrayTensor qkv, int b, int t, Heads heads) {
        setShape(t, heads);
        this.out = out.data;
        this.outOff = out.offset;
        this.att = att.data;
        this.attOff = att.offset;
        this.qkv = qkv.data;
        this.qkvOff = qkv.offset;
        try {
            pool.forEach(b * heads.q(), minPairs(t, heads.size()), forwardTask);
        } finally {
            release();
        }
    }

    private void forwardPairs(int worker, int from, int to) {
        AttentionScratch s = scratch[worker].ensure(t, heads.size());
        for (int pair = from; pair < to; pair++) {
            forwardPair(s, pair / heads.q(), pair % heads.q());
        }
    }

    private void forwardPair(AttentionScratch s, int b, int h) {
        int hs = heads.size();
        int nh = heads.q();
        int c3 = heads.qkvWidth();
        int seq = qkvOff + b * t * c3;
        s.loadTransposed(s.kt, qkv, seq + heads.kOffset(h), c3, t, hs);
        s.loadRows(s.vs, qkv, seq + heads.vOffset(h), c3, t, hs);
        float scale = (float) (1.0 / Math.sqrt(hs));
        float[] row = s.row;
        for (int i = 0; i < t; i++) {
            int q = seq + i * c3 + h * hs;
            Arrays.fill(row, 0, i + 1, 0f);
            for (int d = 0; d < hs; d++) {
                float qd = qkv[q + d];
                float[] kd = s.kt[d];
                for (int j = 0; j <= i; j++) {
                    row[j] += qd * kd[j];
                }
            }
            softmax(row, i + 1, scale);
            int a = attOff + ((b * nh + h) * t + i) * t;
            System.arraycopy(row, 0, att, a, i + 1);
            Arrays.fill(att, a + i + 1, a + t, 0f);
            weightedValues(s.acc, row, s.vs, i + 1, hs);
            System.arraycopy(s.acc, 0, out, outOff + (b * t + i) * heads.width() + h * hs, hs);
        }
    }

    /** acc[0..hs) = sum over j < len of p[j] * v[j][0..hs), j ascending. */
    private static void weightedValues(float[] acc, float[] p, float[][] v, int len, int hs) {
        Arrays.fill(acc, 0, hs, 0f);
        for (int j = 0; j < len; j++) {
            float pj = p[j];
            float[] vj = v[j];
            for (int d = 0; d < hs; d++) {
                acc[d] += pj * vj[d];
            }
        }
    }

    /**
     * row[0..len) = softmax(scale * row). The normaliser is summed in double: with a thousand
     * positions a float sum would lose about three digits to rounding; each exp is in (0, 1].
     */
    static void softmax(float[] row, int len, float scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < len; j++) {
            row[j] *= scale;
            max = Math.max(max, row[j]);
        }
        double sum = 0;
        for (int j = 0; j < len; j++) {
            float e = (float) Math.exp(row[j] - max);
            row[j] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < len; j++) {
            row[j] *= inv;
        }
    }

    // ---------------------------------------------------------------- backward

    /** Accumulates dqkv (B, T, qkvWidth) from dout (B, T, NH*hs); writes datt (B, NH, T, T), d loss / d att. */
    void backward(ArrayTensor dqkv, ArrayTensor datt, ArrayTensor dout, ArrayTensor qkv, ArrayTensor att,
            int b, int t, Heads heads) {
        setShape(t, heads);
        this.dqkv = dqkv.data;
        this.dqkvOff = dqkv.offset;
        this.datt = datt.data;
        this.dattOff = datt.offset;
        this.dout = dout.data;
        this.doutOff = dout.offset;
        this.qkv = qkv.data;
        this.qkvOff = qkv.offset;
        this.att = att.data;
        this.attOff = att.offset;
        try {
            pool.forEach(b * heads.kv(), minPairs(t, heads.size() * heads.group()), backwardTask);
        } finally {
            release();
        }
    }

    private void backwardPairs(int worker, int from, int to) {
        AttentionScratch s = scratch[worker].ensure(t, heads.size());
        for (int pair = from; pair < to; pair++) {
            backwardPair(s, pair / heads.kv(), pair % heads.kv());
        }
    }

    /** The key/value head {@code kvh} of sequence b and the query heads that read it. */
    private void backwardPair(AttentionScratch s, int b, int kvh) {
        int hs = heads.size();
        int nh = heads.q();
        int c3 = heads.qkvWidth();
        int seq = qkvOff + b * t * c3;
        int first = kvh * heads.group();
        s.loadRows(s.ks, qkv, seq + heads.kOffset(first), c3, t, hs);
        s.loadTransposed(s.vt, qkv, seq + heads.vOffset(first), c3, t, hs);
        s.zeroRows(s.dks, t, hs);
        s.zeroRows(s.dvs, t, hs);
        float scale = (float) (1.0 / Math.sqrt(hs));
        for (int h = first; h < first + heads.group(); h++) {
            for (int i = 0; i < t; i++) {
                System.arraycopy(dout, doutOff + (b * t + i) * heads.width() + h * hs, s.g, 0, hs);
                System.arraycopy(qkv, seq + i * c3 + heads.qOffset(h), s.q, 0, hs);
                int a = attOff + ((b * nh + h) * t + i) * t;
                System.arraycopy(att, a, s.p, 0, i + 1);
                backwardRow(s, i, hs, scale);
                System.arraycopy(s.row, 0, datt, dattOff + a - attOff, i + 1);
                Arrays.fill(datt, dattOff + a - attOff + i + 1, dattOff + a - attOff + t, 0f);
                softmaxBackward(s.row, s.p, i + 1, scale);
                queryKeyGrads(s, i, hs);
                addTo(dqkv, dqkvOff + (b * t + i) * c3 + heads.qOffset(h), s.acc, hs);
            }
        }
        for (int j = 0; j < t; j++) {
            addTo(dqkv, dqkvOff + (b * t + j) * c3 + heads.kOffset(first), s.dks[j], hs);
            addTo(dqkv, dqkvOff + (b * t + j) * c3 + heads.vOffset(first), s.dvs[j], hs);
        }
    }

    /** For query row i: row = d loss / d att (j ≤ i) and dv[j] += p[j] * g. */
    private static void backwardRow(AttentionScratch s, int i, int hs, float scale) {
        float[] row = s.row;
        Arrays.fill(row, 0, i + 1, 0f);
        for (int d = 0; d < hs; d++) {
            float gd = s.g[d];
            float[] vd = s.vt[d];
            for (int j = 0; j <= i; j++) {
                row[j] += gd * vd[j];
            }
        }
        for (int j = 0; j <= i; j++) {
            float pj = s.p[j];
            float[] dv = s.dvs[j];
            for (int d = 0; d < hs; d++) {
                dv[d] += pj * s.g[d];
            }
        }
    }

    /** row = d loss / d (q·k) from d loss / d att: p * (datt - sum(p * datt)) * scale; the sum in double. */
    private static void softmaxBackward(float[] row, float[] p, int len, float scale) {
        double dot = 0;
        for (int j = 0; j < len; j++) {
            dot += (double) p[j] * row[j];
        }
        float mean = (float) dot;
        for (int j = 0; j < len; j++) {
            row[j] = p[j] * (row[j] - mean) * scale;
        }
    }

    /** acc = dq of row i = sum_j row[j] k[j]; dk[j] += row[j] q. */
    private static void queryKeyGrads(AttentionScratch s, int i, int hs) {
        float[] acc = s.acc;
        Arrays.fill(acc, 0, hs, 0f);
        for (int j = 0; j <= i; j++) {
            float r = s.row[j];
            float[] kj = s.ks[j];
            for (int d = 0; d < hs; d++) {
                acc[d] += r * kj[d];
            }
            float[] dk = s.dks[j];
            for (int d = 0; d < hs; d++) {
                dk[d] += r * s.q[d];
            }
        }
    }

    private static void addTo(float[] dst, int off, float[] src, int len) {
        for (int d = 0; d < len; d++) {
            dst[off + d] += src[d];
        }
    }

    // ---------------------------------------------------------------- helpers

    private void setShape(int t, Heads heads) {
        this.t = t;
        this.heads = heads;
    }

    /** Pairs per task so that a task has at least ~64k multiply-adds. */
    static int minPairs(int t, int hs) {
        long perPair = Math.max(1L, (long) t * t * hs);
        return (int) Math.max(1L, Math.min(1 << 20, (1L << 16) / perPair));
    }

    /** Drops the call's arrays so that a freed tensor is not kept alive. */
    private void release() {
        out = null;
        att = null;
        qkv = null;
        dqkv = null;
        datt = null;
        dout = null;
    }
}
