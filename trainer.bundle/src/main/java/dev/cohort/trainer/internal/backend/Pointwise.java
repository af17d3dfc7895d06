package dev.cohort.trainer.internal.backend;

/**
 * Element-wise ops (GELU and its backward, residual, accumulate, scale) and the sum of squares,
 * parallel over contiguous chunks. Each element's result is independent of the split.
 */
final class Pointwise {

    private static final int MIN_ELEMENTS_PER_TASK = 1 << 15;
    /** Sum of squares: fixed chunks whose partial sums are added in order, whatever the threads. */
    private static final int SUM_CHUNK = 1 << 16;
    private static final double GELU_K = Math.sqrt(2.0 / Math.PI);
    private static final double GELU_C = 0.044715;

    private enum Op { GELU, GELU_BACKWARD, RESIDUAL, ACCUMULATE, SCALE }

    private final ComputePool pool;
    private final ComputePool.RangeTask task = this::range;
    private final ComputePool.RangeTask squaresTask = this::squares;
    private double[] partials = new double[0];

    private Op op;
    private ArrayTensor dst;
    private ArrayTensor x;
    private ArrayTensor y;
    private float s;
    private int count;

    Pointwise(ComputePool pool) {
        this.pool = pool;
    }

    /** out = gelu(inp). */
    void gelu(ArrayTensor out, ArrayTensor inp, int n) {
        run(Op.GELU, out, inp, null, 0f, n);
    }

    /** dinp += gelu'(inp) * dout. */
    void geluBackward(ArrayTensor dinp, ArrayTensor inp, ArrayTensor dout, int n) {
        run(Op.GELU_BACKWARD, dinp, inp, dout, 0f, n);
    }

    /** out = a + b. */
    void residual(ArrayTensor out, ArrayTensor a, ArrayTensor b, int n) {
        run(Op.RESIDUAL, out, a, b, 0f, n);
    }

    /** dst += src. */
    void accumulate(ArrayTensor dst, ArrayTensor src, int n) {
        run(Op.ACCUMULATE, dst, src, null, 0f, n);
    }

    /** t *= s. */
    void scale(ArrayTensor t, float s, int n) {
        run(Op.SCALE, t, null, null, s, n);
    }

    /**
     * Sum of x^2 in double (float would stop adding small squares once the sum is 2^24 times
     * larger, which a gradient norm over 124M parameters reaches).
     */
    double sumOfSquares(ArrayTensor t, int n) {
        int chunks = (n + SUM_CHUNK - 1) / SUM_CHUNK;
        if (partials.length < chunks) {
            partials = new double[chunks];
        }
        this.x = t;
        this.count = n;
        try {
            pool.forEach(chunks, 1, squaresTask);
        } finally {
            release();
        }
        double sum = 0;
        for (int i = 0; i < chunks; i++) {
            sum += partials[i];
        }
        return sum;
    }

    private void squares(int worker, int fromChunk, int toChunk) {
        float[] a = x.data;
        int n = count;
        for (int chunk = fromChunk; chunk < toChunk; chunk++) {
            int i = x.offset + chunk * SUM_CHUNK;
            int end = x.offset + Math.min(n, (chunk + 1) * SUM_CHUNK);
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            double s3 = 0;
            for (; i + 3 < end; i += 4) {
                s0 += (double) a[i] * a[i];
                s1 += (double) a[i + 1] * a[i + 1];
                s2 += (double) a[i + 2] * a[i + 2];
                s3 += (double) a[i + 3] * a[i + 3];
            }
            for (; i < end; i++) {
                s0 += (double) a[i] * a[i];
            }
            partials[chunk] = (s0 + s1) + (s2 + s3);
        }
    }

    private void run(Op op, ArrayTensor dst, ArrayTensor x, ArrayTensor y, float s, int n) {
        this.op = op;
        this.dst = dst;
        this.x = x;
        this.y = y;
        this.s = s;
        try {
            pool.forEach(n, MIN_ELEMENTS_PER_TASK, task);
        } finally {
            release();
        }
    }

    private void range(int worker, int from, int to) {
        switch (op) {
            case GELU -> gelu(dst.data, dst.offset, x.data, x.offset, from, to);
            case GELU_BACKWARD -> geluBackward(dst.data, dst.offset, x.data, x.offset, y.data, y.offset, from, to);
            case RESIDUAL -> residual(dst.data, dst.offset, x.data, x.offset, y.data, y.offset, from, to);
            case ACCUMULATE -> residual(dst.data, dst.offset, dst.data, dst.offset, x.data, x.offset, from, to);
            case SCALE -> scale(dst.data, dst.offset, s, from, to);
        }
    }

    /** tanh(u) = 1 - 2 / (1 + e^(2u)), in double: one exp instead of a slower tanh, exact enough for float. */
    private static double tanh(double u) {
        return 1.0 - 2.0 / (1.0 + Math.exp(2.0 * u));
    }

    private static void gelu(float[] out, int oo, float[] in, int io, int from, int to) {
        for (int i = from; i < to; i++) {
            double v = in[io + i];
            double u = GELU_K * (v + GELU_C * v * v * v);
            out[oo + i] = (float) (0.5 * v * (1.0 + tanh(u)));
        }
    }

    /** d/dx 0.5 x (1 + tanh u) = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) K (1 + 3 c x^2). */
    private static void geluBackward(float[] dinp, int d0, float[] in, int io, float[] dout, int g0, int from,
            int to) {
        for (int i = from; i < to; i++) {
            double v = in[io + i];
            double th = tanh(GELU_K * (v + GELU_C * v * v * v));
            double du = GELU_K * (1.0 + 3.0 * GELU_C * v * v);
            double grad = 0.5 * (1.0 + th) + 0.5 * v * (1.0 - th * th) * du;
            dinp[d0 + i] += (float) (grad * dout[g0 + i]);
        }
    }

    private static void residual(float[] out, int oo, float[] a, int ao, float[] b, int bo, int from, int to) {
        for (int i = from; i < to; i++) {
            out[oo + i] = a[ao + i] + b[bo + i];
        }
    }

    private static void scale(float[] t, int to0, float s, int from, int to) {
        for (int i = from; i < to; i++) {
            t[to0 + i] *= s;
        }
    }

    /** Drops the call's arrays so that a freed tensor is not kept alive. */
    private void release() {
        dst = null;
        x = null;
        y = null;
    }
}
