package dev.cohort.trainer.internal.backend;

import java.util.Arrays;

/**
 * The argument checks that every backend makes before an op, in one place: shapes against the
 * tensors' sizes, ids against their tables, sampling settings; each error names the op, the
 * argument, the tensor and both sizes. A backend supplies {@link #tensor} (its own tensor type
 * behind a handle, or an error naming the tensor) and the {@code run*} ops, which receive checked
 * arguments only.
 *
 * @param <T> the backend's tensor type
 */
abstract class CheckedBackend<T extends Tensor> implements Backend {

    /**
     * The backend's tensor behind {@code t}, which must hold at least {@code needed} elements;
     * throws naming {@code what} and the tensor when it is null, another backend's, freed or short.
     */
    protected abstract T tensor(Tensor t, long needed, String what);

    // ---------------------------------------------------------------- ops on checked arguments

    protected abstract T runView(T base, String name, long offset, int[] shape);

    protected abstract void runWrite(T dst, float[] src);

    protected abstract void runRead(T src, float[] dst);

    protected abstract void runZero(T t);

    protected abstract void runAccumulate(T dst, T src, long n);

    protected abstract void runScale(T t, float s, long n);

    protected abstract double runSumOfSquares(T t, long n);

    protected abstract void runEmbeddingForward(T out, int[] tokens, int[] positions, int n, T wte, T wpe, int c);

    protected abstract void runEmbeddingBackward(T dwte, T dwpe, T dout, int[] tokens, int[] positions, int n, int c);

    protected abstract void runLayerNormForward(T out, T mean, T rstd, T inp, T weight, T bias, int n, int c,
            float eps);

    protected abstract void runLayerNormBackward(T dinp, T dweight, T dbias, T dout, T inp, T weight, T mean, T rstd,
            int n, int c);

    /** bias may be null. */
    protected abstract void runMatmulForward(T out, T inp, T weight, T bias, int n, int c, int oc, Layout layout);

    /** dinp and dbias may be null. */
    protected abstract void runMatmulBackward(T dinp, T dweight, T dbias, T dout, T inp, T weight, int n, int c, int oc,
            Layout layout);

    protected abstract void runAttentionForward(T out, T att, T qkv, int b, int t, int c, int nh);

    protected abstract void runAttentionBackward(T dqkv, T datt, T dout, T qkv, T att, int b, int t, int c, int nh);

    protected abstract void runAttentionStep(T out, T qkv, T kCache, T vCache, int[] slots, int[] positions, int n,
            int c, int nh, int maxT);

    protected abstract void runCacheStore(T kCache, T vCache, T qkv, int slot, int t, int c, int nh, int maxT);

    protected abstract void runGeluForward(T out, T inp, long n);

    protected abstract void runGeluBackward(T dinp, T inp, T dout, long n);

    protected abstract void runResidualForward(T out, T a, T b, long n);

    /** entropy may be null. */
    protected abstract void runTokenLogprobs(float[] logprobs, float[] entropy, T logits, int[] targets, int n, int v,
            float temperature);

    protected abstract void runTokenLogprobsBackward(T dlogits, T logits, int[] targets, float[] g, int n, int v,
            float temperature);

    protected abstract void runSample(int[] tokens, float[] logprobs, float[] logprobsT1, T logits, int n, int v,
            float temperature, int topK, float topP, float minP, long[] rng);

    protected abstract void runAdamw(T params, T grads, T m, T v, long n, float lr, float beta1, float beta2,
            float eps, float weightDecay, int step);

    // ---------------------------------------------------------------- tensors

    @Override
    public final Tensor view(Tensor base, String name, long offset, int... shape) {
        T b = tensor(base, 0, "view base");
        long size = 1;
        for (int d : shape) {
            size *= d;
        }
        if (offset < 0 || size < 0 || offset + size > b.size()) {
            throw new IllegalArgumentException("view '" + name + "' " + Arrays.toString(shape) + " at offset " + offset
                    + " needs elements [" + offset + ", " + (offset + size) + ") but tensor '" + b.name() + "' has "
                    + b.size());
        }
        return runView(b, name, offset, shape);
    }

    @Override
    public final void write(Tensor dst, float[] src) {
        runWrite(sameSize(dst, src.length, "write"), src);
    }

    @Override
    public final void read(Tensor src, float[] dst) {
        runRead(sameSize(src, dst.length, "read"), dst);
    }

    @Override
    public final void zero(Tensor t) {
        runZero(tensor(t, 0, "zero"));
    }

    @Override
    public final void accumulate(Tensor dst, Tensor src) {
        T d = tensor(dst, 0, "accumulate dst");
        runAccumulate(d, tensor(src, d.size(), "accumulate src (dst's size)"), d.size());
    }

    @Override
    public final void scale(Tensor t, float s) {
        T a = tensor(t, 0, "scale");
        runScale(a, s, a.size());
    }

    @Override
    public final double sumOfSquares(Tensor t) {
        T a = tensor(t, 0, "sumOfSquares");
        return runSumOfSquares(a, a.size());
    }

    // ---------------------------------------------------------------- embedding

    @Override
    public final void embeddingForward(Tensor out, int[] tokens, int[] positions, int n, Tensor wte, Tensor wpe,
            int c) {
        Shapes.positive(c, "embeddingForward C");
        T te = tensor(wte, 0, "embeddingForward wte");
        T pe = tensor(wpe, 0, "embeddingForward wpe");
        Shapes.ids(tokens, n, te.size() / c, "embeddingForward tokens", te);
        Shapes.ids(positions, n, pe.size() / c, "embeddingForward positions", pe);
        runEmbeddingForward(tensor(out, (long) n * c, "embeddingForward out (N*C)"), tokens, positions, n, te, pe, c);
    }

    @Override
    public final void embeddingBackward(Tensor dwte, Tensor dwpe, Tensor dout, int[] tokens, int[] positions, int n,
            int c) {
        Shapes.positive(c, "embeddingBackward C");
        T te = tensor(dwte, 0, "embeddingBackward dwte");
        T pe = tensor(dwpe, 0, "embeddingBackward dwpe");
        Shapes.ids(tokens, n, te.size() / c, "embeddingBackward tokens", te);
        Shapes.ids(positions, n, pe.size() / c, "embeddingBackward positions", pe);
        runEmbeddingBackward(te, pe, tensor(dout, (long) n * c, "embeddingBackward dout (N*C)"), tokens, positions, n,
                c);
    }

    // ---------------------------------------------------------------- layer norm

    @Override
    public final void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor inp, Tensor weight, Tensor bias,
            int n, int c, float eps) {
        long nc = Shapes.product(n, c, "layerNormForward N*C");
        runLayerNormForward(tensor(out, nc, "layerNormForward out (N*C)"), tensor(mean, n, "layerNormForward mean (N)"),
                tensor(rstd, n, "layerNormForward rstd (N)"), tensor(inp, nc, "layerNormForward inp (N*C)"),
                tensor(weight, c, "layerNormForward weight (C)"), tensor(bias, c, "layerNormForward bias (C)"), n, c,
                eps);
    }

    @Override
    public final void residualLayerNormForward(Tensor residual, Tensor a, Tensor b, Tensor out, Tensor mean,
            Tensor rstd, Tensor weight, Tensor bias, int n, int c, float eps) {
        long nc = Shapes.product(n, c, "residualLayerNormForward N*C");
        runResidualLayerNormForward(tensor(residual, nc, "residualLayerNormForward residual (N*C)"),
                tensor(a, nc, "residualLayerNormForward a (N*C)"), tensor(b, nc, "residualLayerNormForward b (N*C)"),
                tensor(out, nc, "residualLayerNormForward out (N*C)"),
                tensor(mean, n, "residualLayerNormForward mean (N)"),
                tensor(rstd, n, "residualLayerNormForward rstd (N)"),
                tensor(weight, c, "residualLayerNormForward weight (C)"),
                tensor(bias, c, "residualLayerNormForward bias (C)"), n, c, eps);
    }

    /** The residual add, then the layer norm; backends with a fused kernel override it. */
    protected void runResidualLayerNormForward(T residual, T a, T b, T out, T mean, T rstd, T weight, T bias, int n,
            int c, float eps) {
        runResidualForward(residual, a, b, (long) n * c);
        runLayerNormForward(out, mean, rstd, residual, weight, bias, n, c, eps);
    }

    @Override
    public final void layerNormBackward(Tensor dinp, Tensor dweight, Tensor dbias, Tensor dout, Tensor inp,
            Tensor weight, Tensor mean, Tensor rstd, int n, int c) {
        long nc = Shapes.product(n, c, "layerNormBackward N*C");
        runLayerNormBackward(tensor(dinp, nc, "layerNormBackward dinp (N*C)"),
                tensor(dweight, c, "layerNormBackward dweight (C)"), tensor(dbias, c, "layerNormBackward dbias (C)"),
                tensor(dout, nc, "layerNormBackward dout (N*C)"), tensor(inp, nc, "layerNormBackward inp (N*C)"),
                tensor(weight, c, "layerNormBackward weight (C)"), tensor(mean, n, "layerNormBackward mean (N)"),
                tensor(rstd, n, "layerNormBackward rstd (N)"), n, c);
    }

    // ---------------------------------------------------------------- matmul

    @Override
    public final void matmulForward(Tensor out, Tensor inp, Tensor weight, Tensor bias, int n, int c, int oc,
            Layout layout) {
        Shapes.product(n, Math.max(c, oc), "matmulForward N*max(C, OC)");
        long w = Shapes.product(c, oc, "matmulForward C*OC");
        runMatmulForward(tensor(out, (long) n * oc, "matmulForward out (N*OC)"),
                tensor(inp, (long) n * c, "matmulForward inp (N*C)"), tensor(weight, w, "matmulForward weight (C*OC)"),
                bias == null ? null : tensor(bias, oc, "matmulForward bias (OC)"), n, c, oc, layout);
    }

    @Override
    public final void matmulBackward(Tensor dinp, Tensor dweight, Tensor dbias, Tensor dout, Tensor inp,
            Tensor weight, int n, int c, int oc, Layout layout) {
        Shapes.product(n, Math.max(c, oc), "matmulBackward N*max(C, OC)");
        long w = Shapes.product(c, oc, "matmulBackward C*OC");
        runMatmulBackward(dinp == null ? null : tensor(dinp, (long) n * c, "matmulBackward dinp (N*C)"),
                tensor(dweight, w, "matmulBackward dweight (C*OC)"),
                dbias == null ? null : tensor(dbias, oc, "matmulBackward dbias (OC)"),
                tensor(dout, (long) n * oc, "matmulBackward dout (N*OC)"),
                tensor(inp, (long) n * c, "matmulBackward inp (N*C)"), tensor(weight, w, "matmulBackward weight (C*OC)"),
                n, c, oc, layout);
    }

    // ---------------------------------------------------------------- attention

    @Override
    public final void attentionForward(Tensor out, Tensor att, Tensor qkv, int b, int t, int c, int nh) {
        long btc = Shapes.attention(b, t, c, nh, "attentionForward");
        Shapes.product(b * nh, (long) t * t, "attentionForward B*NH*T*T");
        runAttentionForward(tensor(out, btc, "attentionForward out (B*T*C)"),
                tensor(att, attentionStateSize(b, t, c, nh), "attentionForward att (attentionStateSize)"),
                tensor(qkv, 3 * btc, "attentionForward qkv (B*T*3C)"), b, t, c, nh);
    }

    @Override
    public final void attentionBackward(Tensor dqkv, Tensor datt, Tensor dout, Tensor qkv, Tensor att, int b, int t,
            int c, int nh) {
        long btc = Shapes.attention(b, t, c, nh, "attentionBackward");
        Shapes.product(b * nh, (long) t * t, "attentionBackward B*NH*T*T");
        runAttentionBackward(tensor(dqkv, 3 * btc, "attentionBackward dqkv (B*T*3C)"),
                tensor(datt, attentionScratchSize(b, t, c, nh), "attentionBackward datt (attentionScratchSize)"),
                tensor(dout, btc, "attentionBackward dout (B*T*C)"),
                tensor(qkv, 3 * btc, "attentionBackward qkv (B*T*3C)"),
                tensor(att, attentionStateSize(b, t, c, nh), "attentionBackward att (attentionStateSize)"), b, t, c,
                nh);
    }

    @Override
    public final void attentionStep(Tensor out, Tensor qkv, Tensor kCache, Tensor vCache, int[] slots,
            int[] positions, int n, int c, int nh, int maxT) {
        long nc = Shapes.attention(n, 1, c, nh, "attentionStep");
        T k = tensor(kCache, 0, "attentionStep kCache");
        T v = tensor(vCache, k.size(), "attentionStep vCache (kCache's size)");
        Shapes.ids(slots, n, Shapes.slots(k, maxT, c), "attentionStep slots", k);
        Shapes.ids(positions, n, maxT, "attentionStep positions (maxT)", k);
        runAttentionStep(tensor(out, nc, "attentionStep out (n*C)"), tensor(qkv, 3 * nc, "attentionStep qkv (n*3C)"),
                k, v, slots, positions, n, c, nh, maxT);
    }

    @Override
    public final void cacheStore(Tensor kCache, Tensor vCache, Tensor qkv, int slot, int t, int c, int nh, int maxT) {
        long tc = Shapes.attention(1, t, c, nh, "cacheStore");
        T k = tensor(kCache, 0, "cacheStore kCache");
        T v = tensor(vCache, k.size(), "cacheStore vCache (kCache's size)");
        long slots = Shapes.slots(k, maxT, c);
        if (slot < 0 || slot >= slots) {
            throw new IllegalArgumentException("cacheStore: slot " + slot + " is outside [0, " + slots + ") for tensor '"
                    + k.name() + "'");
        }
        if (t > maxT) {
            throw new IllegalArgumentException("cacheStore: T = " + t + " positions exceed maxT = " + maxT
                    + " of tensor '" + k.name() + "'");
        }
        runCacheStore(k, v, tensor(qkv, 3 * tc, "cacheStore qkv (T*3C)"), slot, t, c, nh, maxT);
    }

    // ---------------------------------------------------------------- pointwise

    @Override
    public final void geluForward(Tensor out, Tensor inp, long n) {
        runGeluForward(tensor(out, n, "geluForward out"), tensor(inp, n, "geluForward inp"), n);
    }

    @Override
    public final void geluBackward(Tensor dinp, Tensor inp, Tensor dout, long n) {
        runGeluBackward(tensor(dinp, n, "geluBackward dinp"), tensor(inp, n, "geluBackward inp"),
                tensor(dout, n, "geluBackward dout"), n);
    }

    @Override
    public final void residualForward(Tensor out, Tensor a, Tensor b, long n) {
        runResidualForward(tensor(out, n, "residualForward out"), tensor(a, n, "residualForward a"),
                tensor(b, n, "residualForward b"), n);
    }

    // ---------------------------------------------------------------- log-probs

    @Override
    public final void tokenLogprobs(float[] logprobs, float[] entropy, Tensor logits, int[] targets, int n, int v,
            float temperature) {
        long nv = Shapes.logits(n, v, temperature, "tokenLogprobs");
        Shapes.rows(logprobs, n, "tokenLogprobs logprobs");
        if (entropy != null) {
            Shapes.rows(entropy, n, "tokenLogprobs entropy");
        }
        Shapes.targets(targets, n, v, "tokenLogprobs");
        runTokenLogprobs(logprobs, entropy, tensor(logits, nv, "tokenLogprobs logits (N*V)"), targets, n, v,
                temperature);
    }

    @Override
    public final void tokenLogprobsBackward(Tensor dlogits, Tensor logits, int[] targets, float[] g, int n, int v,
            float temperature) {
        long nv = Shapes.logits(n, v, temperature, "tokenLogprobsBackward");
        Shapes.rows(g, n, "tokenLogprobsBackward g");
        Shapes.targets(targets, n, v, "tokenLogprobsBackward");
        runTokenLogprobsBackward(tensor(dlogits, nv, "tokenLogprobsBackward dlogits (N*V)"),
                tensor(logits, nv, "tokenLogprobsBackward logits (N*V)"), targets, g, n, v, temperature);
    }

    // ---------------------------------------------------------------- sampling

    @Override
    public final void sample(int[] tokens, float[] logprobs, float[] logprobsT1, Tensor logits, int n, int v,
            float temperature, int topK, float topP, float minP, long[] rng) {
        long nv = Shapes.sampling(n, v, temperature, topK, topP, minP);
        Shapes.rows(tokens, n, "sample tokens");
        Shapes.rows(logprobs, n, "sample logprobs");
        Shapes.rows(logprobsT1, n, "sample logprobsT1");
        Shapes.rows(rng, n, "sample rng");
        runSample(tokens, logprobs, logprobsT1, tensor(logits, nv, "sample logits (n*V)"), n, v, temperature, topK,
                topP, minP, rng);
    }

    // ---------------------------------------------------------------- optimizer

    @Override
    public final void adamw(Tensor params, Tensor grads, Tensor m, Tensor v, long n, float lr, float beta1,
            float beta2, float eps, float weightDecay, int step) {
        if (step < 1) {
            throw new IllegalArgumentException("adamw: step counts from 1, got " + step);
        }
        runAdamw(tensor(params, n, "adamw params"), tensor(grads, n, "adamw grads"), tensor(m, n, "adamw m"),
                tensor(v, n, "adamw v"), n, lr, beta1, beta2, eps, weightDecay, step);
    }

    // ---------------------------------------------------------------- checks

    private T sameSize(Tensor t, int length, String what) {
        T a = tensor(t, 0, what);
        if (a.size() != length) {
            throw new IllegalArgumentException("tensor '" + a.name() + "' has " + a.size() + " elements, " + what
                    + " array has " + length);
        }
        return a;
    }
}
