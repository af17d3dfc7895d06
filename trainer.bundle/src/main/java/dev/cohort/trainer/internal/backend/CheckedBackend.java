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

    protected abstract void runAttentionForward(T out, T att, T qkv, int b, int t, Heads heads);

    protected abstract void runAttentionBackward(T dqkv, T datt, T dout, T qkv, T att, int b, int t, Heads heads);

    protected abstract void runAttentionStep(T out, T qkv, T kCache, T vCache, int[] slots, int[] positions, int n,
            Heads heads, int maxT);

    protected abstract void runCacheStore(T kCache, T vCache, T qkv, int slot, int t, Heads heads, int maxT);

    protected abstract void runRmsNormForward(T out, T rstd, T inp, T weight, int n, int c, float eps);

    protected abstract void runRmsNormBackward(T dinp, T dweight, T dout, T inp, T weight, T rstd, int n, int c);

    protected abstract void runHeadRmsNormForward(T out, T rstd, T qkv, T qWeight, T kWeight, int n, Heads heads,
            float eps);

    protected abstract void runHeadRmsNormBackward(T dqkv, T dqWeight, T dkWeight, T dout, T qkv, T qWeight,
            T kWeight, T rstd, int n, Heads heads);

    protected abstract void runRopeForward(T out, T qkv, int[] positions, T invFreq, int n, Heads heads);

    protected abstract void runRopeBackward(T dqkv, T dout, int[] positions, T invFreq, int n, Heads heads);

    protected abstract void runSwigluForward(T out, T gateUp, int n, int width);

    protected abstract void runSwigluBackward(T dgateUp, T gateUp, T dout, int n, int width);

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
        T pe = wpe == null ? null : tensor(wpe, 0, "embeddingForward wpe");
        Shapes.ids(tokens, n, te.size() / c, "embeddingForward tokens", te);
        if (pe != null) {
            Shapes.ids(positions, n, pe.size() / c, "embeddingForward positions", pe);
        }
        runEmbeddingForward(tensor(out, (long) n * c, "embeddingForward out (N*C)"), tokens, positions, n, te, pe, c);
    }

    @Override
    public final void embeddingBackward(Tensor dwte, Tensor dwpe, Tensor dout, int[] tokens, int[] positions, int n,
            int c) {
        Shapes.positive(c, "embeddingBackward C");
        T te = tensor(dwte, 0, "embeddingBackward dwte");
        T pe = dwpe == null ? null : tensor(dwpe, 0, "embeddingBackward dwpe");
        Shapes.ids(tokens, n, te.size() / c, "embeddingBackward tokens", te);
        if (pe != null) {
            Shapes.ids(positions, n, pe.size() / c, "embeddingBackward positions", pe);
        }
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
        if (dweight == null && dbias != null) {
            throw new IllegalArgumentException("matmulBackward: a frozen weight (dweight null) with a bias gradient");
        }
        runMatmulBackward(dinp == null ? null : tensor(dinp, (long) n * c, "matmulBackward dinp (N*C)"),
                dweight == null ? null : tensor(dweight, w, "matmulBackward dweight (C*OC)"),
                dbias == null ? null : tensor(dbias, oc, "matmulBackward dbias (OC)"),
                tensor(dout, (long) n * oc, "matmulBackward dout (N*OC)"),
                tensor(inp, (long) n * c, "matmulBackward inp (N*C)"), tensor(weight, w, "matmulBackward weight (C*OC)"),
                n, c, oc, layout);
    }

    // ---------------------------------------------------------------- RMSNorm, rotary, SwiGLU

    @Override
    public final void rmsNormForward(Tensor out, Tensor rstd, Tensor inp, Tensor weight, int n, int c, float eps) {
        long nc = Shapes.product(n, c, "rmsNormForward N*C");
        runRmsNormForward(tensor(out, nc, "rmsNormForward out (N*C)"), tensor(rstd, n, "rmsNormForward rstd (N)"),
                tensor(inp, nc, "rmsNormForward inp (N*C)"), tensor(weight, c, "rmsNormForward weight (C)"), n, c,
                eps);
    }

    @Override
    public final void rmsNormBackward(Tensor dinp, Tensor dweight, Tensor dout, Tensor inp, Tensor weight,
            Tensor rstd, int n, int c) {
        long nc = Shapes.product(n, c, "rmsNormBackward N*C");
        runRmsNormBackward(tensor(dinp, nc, "rmsNormBackward dinp (N*C)"),
                tensor(dweight, c, "rmsNormBackward dweight (C)"), tensor(dout, nc, "rmsNormBackward dout (N*C)"),
                tensor(inp, nc, "rmsNormBackward inp (N*C)"), tensor(weight, c, "rmsNormBackward weight (C)"),
                tensor(rstd, n, "rmsNormBackward rstd (N)"), n, c);
    }

    @Override
    public final void residualRmsNormForward(Tensor residual, Tensor a, Tensor b, Tensor out, Tensor rstd,
            Tensor weight, int n, int c, float eps) {
        long nc = Shapes.product(n, c, "residualRmsNormForward N*C");
        runResidualRmsNormForward(tensor(residual, nc, "residualRmsNormForward residual (N*C)"),
                tensor(a, nc, "residualRmsNormForward a (N*C)"), tensor(b, nc, "residualRmsNormForward b (N*C)"),
                tensor(out, nc, "residualRmsNormForward out (N*C)"),
                tensor(rstd, n, "residualRmsNormForward rstd (N)"),
                tensor(weight, c, "residualRmsNormForward weight (C)"), n, c, eps);
    }

    /** The residual add, then the RMSNorm; backends with a fused kernel override it. */
    protected void runResidualRmsNormForward(T residual, T a, T b, T out, T rstd, T weight, int n, int c, float eps) {
        runResidualForward(residual, a, b, (long) n * c);
        runRmsNormForward(out, rstd, residual, weight, n, c, eps);
    }

    @Override
    public final void headRmsNormForward(Tensor out, Tensor rstd, Tensor qkv, Tensor qWeight, Tensor kWeight, int n,
            Heads heads, float eps) {
        long rows = Shapes.product(n, heads.qkvWidth(), "headRmsNormForward N*qkvWidth");
        runHeadRmsNormForward(tensor(out, rows, "headRmsNormForward out (N*qkvWidth)"),
                tensor(rstd, (long) n * (heads.q() + heads.kv()), "headRmsNormForward rstd (N*(NH+NKV))"),
                tensor(qkv, rows, "headRmsNormForward qkv (N*qkvWidth)"),
                tensor(qWeight, heads.size(), "headRmsNormForward qWeight (head size)"),
                tensor(kWeight, heads.size(), "headRmsNormForward kWeight (head size)"), n, heads, eps);
    }

    @Override
    public final void headRmsNormBackward(Tensor dqkv, Tensor dqWeight, Tensor dkWeight, Tensor dout, Tensor qkv,
            Tensor qWeight, Tensor kWeight, Tensor rstd, int n, Heads heads) {
        long rows = Shapes.product(n, heads.qkvWidth(), "headRmsNormBackward N*qkvWidth");
        runHeadRmsNormBackward(tensor(dqkv, rows, "headRmsNormBackward dqkv (N*qkvWidth)"),
                tensor(dqWeight, heads.size(), "headRmsNormBackward dqWeight (head size)"),
                tensor(dkWeight, heads.size(), "headRmsNormBackward dkWeight (head size)"),
                tensor(dout, rows, "headRmsNormBackward dout (N*qkvWidth)"),
                tensor(qkv, rows, "headRmsNormBackward qkv (N*qkvWidth)"),
                tensor(qWeight, heads.size(), "headRmsNormBackward qWeight (head size)"),
                tensor(kWeight, heads.size(), "headRmsNormBackward kWeight (head size)"),
                tensor(rstd, (long) n * (heads.q() + heads.kv()), "headRmsNormBackward rstd (N*(NH+NKV))"), n, heads);
    }

    @Override
    public final void ropeForward(Tensor out, Tensor qkv, int[] positions, Tensor invFreq, int n, Heads heads) {
        long rows = Shapes.product(n, heads.qkvWidth(), "ropeForward N*qkvWidth");
        Shapes.rotary(heads, positions, n, "ropeForward");
        runRopeForward(tensor(out, rows, "ropeForward out (N*qkvWidth)"), tensor(qkv, rows, "ropeForward qkv (N*qkvWidth)"),
                positions, tensor(invFreq, heads.size() / 2, "ropeForward invFreq (head size / 2)"), n, heads);
    }

    @Override
    public final void ropeBackward(Tensor dqkv, Tensor dout, int[] positions, Tensor invFreq, int n, Heads heads) {
        long rows = Shapes.product(n, heads.qkvWidth(), "ropeBackward N*qkvWidth");
        Shapes.rotary(heads, positions, n, "ropeBackward");
        runRopeBackward(tensor(dqkv, rows, "ropeBackward dqkv (N*qkvWidth)"),
                tensor(dout, rows, "ropeBackward dout (N*qkvWidth)"), positions,
                tensor(invFreq, heads.size() / 2, "ropeBackward invFreq (head size / 2)"), n, heads);
    }

    @Override
    public final void swigluForward(Tensor out, Tensor gateUp, int n, int width) {
        long ni = Shapes.product(n, width, "swigluForward N*I");
        runSwigluForward(tensor(out, ni, "swigluForward out (N*I)"), tensor(gateUp, 2 * ni, "swigluForward gateUp (N*2I)"),
                n, width);
    }

    @Override
    public final void swigluBackward(Tensor dgateUp, Tensor gateUp, Tensor dout, int n, int width) {
        long ni = Shapes.product(n, width, "swigluBackward N*I");
        runSwigluBackward(tensor(dgateUp, 2 * ni, "swigluBackward dgateUp (N*2I)"),
                tensor(gateUp, 2 * ni, "swigluBackward gateUp (N*2I)"), tensor(dout, ni, "swigluBackward dout (N*I)"),
                n, width);
    }

    // ---------------------------------------------------------------- attention

    @Override
    public final void attentionForward(Tensor out, Tensor att, Tensor qkv, int b, int t, Heads heads) {
        long bt = Shapes.attention(b, t, heads, "attentionForward");
        Shapes.product(b * heads.q(), (long) t * t, "attentionForward B*NH*T*T");
        runAttentionForward(tensor(out, bt * heads.width(), "attentionForward out (B*T*NH*hs)"),
                tensor(att, attentionStateSize(b, t, heads), "attentionForward att (attentionStateSize)"),
                tensor(qkv, bt * heads.qkvWidth(), "attentionForward qkv (B*T*qkvWidth)"), b, t, heads);
    }

    @Override
    public final void attentionBackward(Tensor dqkv, Tensor datt, Tensor dout, Tensor qkv, Tensor att, int b, int t,
            Heads heads) {
        long bt = Shapes.attention(b, t, heads, "attentionBackward");
        Shapes.product(b * heads.q(), (long) t * t, "attentionBackward B*NH*T*T");
        runAttentionBackward(tensor(dqkv, bt * heads.qkvWidth(), "attentionBackward dqkv (B*T*qkvWidth)"),
                tensor(datt, attentionScratchSize(b, t, heads), "attentionBackward datt (attentionScratchSize)"),
                tensor(dout, bt * heads.width(), "attentionBackward dout (B*T*NH*hs)"),
                tensor(qkv, bt * heads.qkvWidth(), "attentionBackward qkv (B*T*qkvWidth)"),
                tensor(att, attentionStateSize(b, t, heads), "attentionBackward att (attentionStateSize)"), b, t,
                heads);
    }

    @Override
    public final void attentionStep(Tensor out, Tensor qkv, Tensor kCache, Tensor vCache, int[] slots,
            int[] positions, int n, Heads heads, int maxT) {
        long rows = Shapes.attention(n, 1, heads, "attentionStep");
        T k = tensor(kCache, 0, "attentionStep kCache");
        T v = tensor(vCache, k.size(), "attentionStep vCache (kCache's size)");
        Shapes.ids(slots, n, Shapes.slots(k, maxT, heads.kvWidth()), "attentionStep slots", k);
        Shapes.ids(positions, n, maxT, "attentionStep positions (maxT)", k);
        runAttentionStep(tensor(out, rows * heads.width(), "attentionStep out (n*NH*hs)"),
                tensor(qkv, rows * heads.qkvWidth(), "attentionStep qkv (n*qkvWidth)"), k, v, slots, positions, n,
                heads, maxT);
    }

    @Override
    public final void cacheStore(Tensor kCache, Tensor vCache, Tensor qkv, int slot, int t, Heads heads, int maxT) {
        long rows = Shapes.attention(1, t, heads, "cacheStore");
        T k = tensor(kCache, 0, "cacheStore kCache");
        T v = tensor(vCache, k.size(), "cacheStore vCache (kCache's size)");
        long slots = Shapes.slots(k, maxT, heads.kvWidth());
        if (slot < 0 || slot >= slots) {
            throw new IllegalArgumentException("cacheStore: slot " + slot + " is outside [0, " + slots + ") for tensor '"
                    + k.name() + "'");
        }
        if (t > maxT) {
            throw new IllegalArgumentException("cacheStore: T = " + t + " positions exceed maxT = " + maxT
                    + " of tensor '" + k.name() + "'");
        }
        runCacheStore(k, v, tensor(qkv, rows * heads.qkvWidth(), "cacheStore qkv (T*qkvWidth)"), slot, t, heads, maxT);
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

    // ---------------------------------------------------------------- LoRA

    /** LoRA's ops on checked arguments: the adapter's product into columns of a fused output, and its backward. */
    protected abstract void runLoraForward(T out, int ldo, int col, T h, T inp, T a, T b, int n, int c, int r, int oc,
            float scale);

    protected abstract void runLoraBackward(T dinp, T da, T db, T dh, T dout, int ldo, int col, T inp, T h, T a, T b,
            int n, int c, int r, int oc, float scale);

    /** Inverted dropout with the mask drawn from (seed, index); {@code backward} applies the same mask to gradients. */
    protected abstract void runDropout(T out, T inp, long n, float p, long seed, boolean backward);

    @Override
    public final void loraForward(Tensor out, int ldo, int col, Tensor h, Tensor inp, Tensor a, Tensor b, int n,
            int c, int r, int oc, float scale) {
        loraShapes("loraForward", ldo, col, n, c, r, oc);
        runLoraForward(tensor(out, (long) n * ldo, "loraForward out (N*LDO)"), ldo, col,
                tensor(h, (long) n * r, "loraForward h (N*R)"), tensor(inp, (long) n * c, "loraForward inp (N*C)"),
                tensor(a, (long) r * c, "loraForward a (R*C)"), tensor(b, (long) oc * r, "loraForward b (OC*R)"),
                n, c, r, oc, scale);
    }

    @Override
    public final void loraBackward(Tensor dinp, Tensor da, Tensor db, Tensor dh, Tensor dout, int ldo, int col,
            Tensor inp, Tensor h, Tensor a, Tensor b, int n, int c, int r, int oc, float scale) {
        loraShapes("loraBackward", ldo, col, n, c, r, oc);
        runLoraBackward(dinp == null ? null : tensor(dinp, (long) n * c, "loraBackward dinp (N*C)"),
                tensor(da, (long) r * c, "loraBackward da (R*C)"), tensor(db, (long) oc * r, "loraBackward db (OC*R)"),
                tensor(dh, (long) n * r, "loraBackward dh (N*R)"), tensor(dout, (long) n * ldo, "loraBackward dout (N*LDO)"),
                ldo, col, tensor(inp, (long) n * c, "loraBackward inp (N*C)"),
                tensor(h, (long) n * r, "loraBackward h (N*R)"), tensor(a, (long) r * c, "loraBackward a (R*C)"),
                tensor(b, (long) oc * r, "loraBackward b (OC*R)"), n, c, r, oc, scale);
    }

    @Override
    public final void dropoutForward(Tensor out, Tensor inp, long n, float p, long seed) {
        dropoutCheck(p);
        runDropout(tensor(out, n, "dropoutForward out (n)"), tensor(inp, n, "dropoutForward inp (n)"), n, p, seed, false);
    }

    @Override
    public final void dropoutBackward(Tensor dinp, Tensor dout, long n, float p, long seed) {
        dropoutCheck(p);
        runDropout(tensor(dinp, n, "dropoutBackward dinp (n)"), tensor(dout, n, "dropoutBackward dout (n)"), n, p, seed,
                true);
    }

    private static void loraShapes(String op, int ldo, int col, int n, int c, int r, int oc) {
        Shapes.positive(r, op + " R");
        Shapes.product(n, Math.max(ldo, c), op + " N*max(LDO, C)");
        if (col < 0 || oc < 1 || col + oc > ldo) {
            throw new IllegalArgumentException(op + ": columns [" + col + ", " + (col + oc) + ") are outside the "
                    + ldo + " columns of out");
        }
    }

    private static void dropoutCheck(float p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
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
