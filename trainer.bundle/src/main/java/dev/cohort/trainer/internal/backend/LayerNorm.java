package dev.cohort.trainer.internal.backend;

/**
 * Layer norm over the rows of inp (N, C): {@code out = (x - mean) * rstd * weight + bias} with the
 * biased variance. The forward and the input gradient are parallel over rows; the weight and
 * bias gradients, which sum over rows, are parallel over columns, each column summed over rows
 * in ascending order, so no result depends on the thread count.
 * <p>
 * Row statistics are accumulated in double: the residual stream can carry a mean much larger
 * than its spread, and a float sum of squares over 768 values would then lose most of the
 * variance's digits to cancellation and rounding.
 */
final class LayerNorm {

    private static final int MIN_ROWS_PER_TASK = 16;
    private static final int MIN_COLS_PER_TASK = 64;

    private final ComputePool pool;
    private final ComputePool.RangeTask forwardTask = this::forwardRows;
    private final ComputePool.RangeTask inputGradTask = this::inputGradRows;
    private final ComputePool.RangeTask paramGradTask = this::paramGradColumns;

    private ArrayTensor out;
    private ArrayTensor mean;
    private ArrayTensor rstd;
    private ArrayTensor inp;
    private ArrayTensor weight;
    private ArrayTensor bias;
    private ArrayTensor dinp;
    private ArrayTensor dweight;
    private ArrayTensor dbias;
    private ArrayTensor dout;
    private int n;
    private int c;
    private float eps;

    LayerNorm(ComputePool pool) {
        this.pool = pool;
    }

    void forward(ArrayTensor out, ArrayTensor mean, ArrayTensor rstd, ArrayTensor inp, ArrayTensor weight,
            ArrayTensor bias, int n, int c, float eps) {
        this.out = out;
        this.mean = mean;
        this.rstd = rstd;
        this.inp = inp;
        this.weight = weight;
        this.bias = bias;
        this.n = n;
        this.c = c;
        this.eps = eps;
        try {
            pool.forEach(n, MIN_ROWS_PER_TASK, forwardTask);
        } finally {
            release();
        }
    }

    private void forwardRows(int worker, int from, int to) {
        float[] x = inp.data;
        float[] y = out.data;
        float[] w = weight.data;
        float[] b = bias.data;
        for (int r = from; r < to; r++) {
            int row = inp.offset + r * c;
            double sum = 0;
            for (int i = 0; i < c; i++) {
                sum += x[row + i];
            }
            double mu = sum / c;
            double var = 0;
            for (int i = 0; i < c; i++) {
                double dx = x[row + i] - mu;
                var += dx * dx;
            }
            float m = (float) mu;
            float s = (float) (1.0 / Math.sqrt(var / c + eps));
            int o = out.offset + r * c;
            for (int i = 0; i < c; i++) {
                float norm = (x[row + i] - m) * s;
                y[o + i] = norm * w[weight.offset + i] + b[bias.offset + i];
            }
            mean.data[mean.offset + r] = m;
            rstd.data[rstd.offset + r] = s;
        }
    }

    /** Accumulates dinp, dweight and dbias. */
    void backward(ArrayTensor dinp, ArrayTensor dweight, ArrayTensor dbias, ArrayTensor dout, ArrayTensor inp,
            ArrayTensor weight, ArrayTensor mean, ArrayTensor rstd, int n, int c) {
        this.dinp = dinp;
        this.dweight = dweight;
        this.dbias = dbias;
        this.dout = dout;
        this.inp = inp;
        this.weight = weight;
        this.mean = mean;
        this.rstd = rstd;
        this.n = n;
        this.c = c;
        try {
            pool.forEach(n, MIN_ROWS_PER_TASK, inputGradTask);
            pool.forEach(c, MIN_COLS_PER_TASK, paramGradTask);
        } finally {
            release();
        }
    }

    /** dinp += (w*dout - mean(w*dout) - norm * mean(w*dout*norm)) * rstd, the two means in double. */
    private void inputGradRows(int worker, int from, int to) {
        float[] x = inp.data;
        float[] g = dout.data;
        float[] w = weight.data;
        float[] dx = dinp.data;
        int wo = weight.offset;
        for (int r = from; r < to; r++) {
            int xr = inp.offset + r * c;
            int gr = dout.offset + r * c;
            float m = mean.data[mean.offset + r];
            float s = rstd.data[rstd.offset + r];
            double sumG = 0;
            double sumGN = 0;
            for (int i = 0; i < c; i++) {
                float wg = w[wo + i] * g[gr + i];
                sumG += wg;
                sumGN += wg * ((x[xr + i] - m) * s);
            }
            float meanG = (float) (sumG / c);
            float meanGN = (float) (sumGN / c);
            int dr = dinp.offset + r * c;
            for (int i = 0; i < c; i++) {
                float norm = (x[xr + i] - m) * s;
                dx[dr + i] += (w[wo + i] * g[gr + i] - meanG - norm * meanGN) * s;
            }
        }
    }

    /** dweight[i] += sum_r norm[r,i] dout[r,i]; dbias[i] += sum_r dout[r,i], for columns [from, to). */
    private void paramGradColumns(int worker, int from, int to) {
        float[] x = inp.data;
        float[] g = dout.data;
        float[] dw = dweight.data;
        float[] db = dbias.data;
        for (int r = 0; r < n; r++) {
            int xr = inp.offset + r * c;
            int gr = dout.offset + r * c;
            float m = mean.data[mean.offset + r];
            float s = rstd.data[rstd.offset + r];
            for (int i = from; i < to; i++) {
                float gi = g[gr + i];
                dw[dweight.offset + i] += (x[xr + i] - m) * s * gi;
                db[dbias.offset + i] += gi;
            }
        }
    }

    /** Drops the call's arrays so that a freed tensor is not kept alive. */
    private void release() {
        out = null;
        mean = null;
        rstd = null;
        inp = null;
        weight = null;
        bias = null;
        dinp = null;
        dweight = null;
        dbias = null;
        dout = null;
    }
}
