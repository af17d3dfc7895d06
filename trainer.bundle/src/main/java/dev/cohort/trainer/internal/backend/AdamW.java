package dev.cohort.trainer.internal.backend;

/**
 * AdamW with bias correction, parallel over chunks of the parameters; each parameter's update
 * is independent of the split. The corrections {@code 1 - beta^step} are computed once in
 * double (beta^step for a large step is not representable well as repeated float products).
 */
final class AdamW {

    private static final int MIN_ELEMENTS_PER_TASK = 1 << 15;

    private final ComputePool pool;
    private final ComputePool.RangeTask task = this::range;

    private ArrayTensor params;
    private ArrayTensor grads;
    private ArrayTensor m;
    private ArrayTensor v;
    private float lr;
    private float beta1;
    private float beta2;
    private float eps;
    private float weightDecay;
    private float correction1;
    private float correction2;

    AdamW(ComputePool pool) {
        this.pool = pool;
    }

    void update(ArrayTensor params, ArrayTensor grads, ArrayTensor m, ArrayTensor v, int n, float lr, float beta1,
            float beta2, float eps, float weightDecay, int step) {
        this.params = params;
        this.grads = grads;
        this.m = m;
        this.v = v;
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.correction1 = (float) (1.0 - Math.pow(beta1, step));
        this.correction2 = (float) (1.0 - Math.pow(beta2, step));
        try {
            pool.forEach(n, MIN_ELEMENTS_PER_TASK, task);
        } finally {
            release();
        }
    }

    private void range(int worker, int from, int to) {
        float[] p = params.data;
        float[] g = grads.data;
        float[] mm = m.data;
        float[] vv = v.data;
        int po = params.offset;
        int go = grads.offset;
        int mo = m.offset;
        int vo = v.offset;
        for (int i = from; i < to; i++) {
            float gi = g[go + i];
            float mi = beta1 * mm[mo + i] + (1f - beta1) * gi;
            float vi = beta2 * vv[vo + i] + (1f - beta2) * gi * gi;
            mm[mo + i] = mi;
            vv[vo + i] = vi;
            float mhat = mi / correction1;
            float vhat = vi / correction2;
            float pi = p[po + i];
            p[po + i] = pi - lr * (mhat / ((float) Math.sqrt(vhat) + eps) + weightDecay * pi);
        }
    }

    /** Drops the call's arrays so that a freed tensor is not kept alive. */
    private void release() {
        params = null;
        grads = null;
        m = null;
        v = null;
    }
}
