package dev.cohort.trainer.internal.backend;

import java.util.Arrays;

/**
 * The reference backend: tensors are Java float arrays, and the heavy ops run on a fixed pool of
 * compute threads (see {@link ComputePool}), each split into as many contiguous ranges as there
 * are threads. Scratch buffers are allocated once per worker (or grown), so that the steady
 * state allocates nothing. One thread at a time may call a backend, as with a device stream.
 * <p>
 * {@link CheckedBackend} checks the arguments (every shape error names the tensor, the op argument
 * and both sizes); this class hands the arrays to one kernel class per op family.
 */
public final class JavaBackend extends CheckedBackend<ArrayTensor> {

    /** Largest Java array the JVMs accept reliably. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private final ComputePool pool;
    private final Matmul matmul;
    private final Attention attention;
    private final CachedAttention cached;
    private final LayerNorm layerNorm;
    private final Pointwise pointwise;
    private final Embedding embedding;
    private final Logprobs logprobs;
    private final Sampler sampler;
    private final AdamW adamw;
    private final RmsNorm rmsNorm;
    private final Rotary rotary;
    private final SwiGlu swiglu;
    private final Lora lora;

    /** One compute thread per available processor. */
    public JavaBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** {@code threads} compute threads, the calling thread included. */
    public JavaBackend(int threads) {
        this.pool = new ComputePool(threads);
        this.matmul = new Matmul(pool);
        this.attention = new Attention(pool);
        this.cached = new CachedAttention(pool);
        this.layerNorm = new LayerNorm(pool);
        this.pointwise = new Pointwise(pool);
        this.embedding = new Embedding(pool);
        this.logprobs = new Logprobs(pool);
        this.sampler = new Sampler(pool);
        this.adamw = new AdamW(pool);
        this.rmsNorm = new RmsNorm(pool);
        this.rotary = new Rotary(pool);
        this.swiglu = new SwiGlu(pool);
        this.lora = new Lora(pool);
    }

    /** Which kernel computes the matrix products, and why (see {@code GemmSelect}): for the run's backend line. */
    public static String matmulKernel() {
        return GemmSelect.describe();
    }

    @Override
    public String name() {
        return "java";
    }

    /** Number of compute threads, the calling thread included. */
    public int threads() {
        return pool.parallelism();
    }

    // ---------------------------------------------------------------- tensors

    @Override
    public Tensor allocate(String name, long elements) {
        if (elements < 0 || elements > MAX_ELEMENTS) {
            throw new IllegalArgumentException("tensor '" + name + "': cannot allocate " + elements
                    + " elements; the Java backend holds a tensor in one float[] of at most " + MAX_ELEMENTS);
        }
        return new ArrayTensor(name, new int[] {(int) elements}, new float[(int) elements], 0);
    }

    @Override
    public void release(Tensor t) {
        tensor(t, 0, "release");
    }

    @Override
    protected ArrayTensor runView(ArrayTensor b, String name, long offset, int[] shape) {
        return new ArrayTensor(name, shape, b.data, b.offset + (int) offset);
    }

    @Override
    protected void runWrite(ArrayTensor t, float[] src) {
        System.arraycopy(src, 0, t.data, t.offset, src.length);
    }

    @Override
    protected void runRead(ArrayTensor t, float[] dst) {
        System.arraycopy(t.data, t.offset, dst, 0, dst.length);
    }

    @Override
    protected void runZero(ArrayTensor a) {
        Arrays.fill(a.data, a.offset, a.end(), 0f);
    }

    @Override
    protected void runAccumulate(ArrayTensor d, ArrayTensor s, long n) {
        pointwise.accumulate(d, s, (int) n);
    }

    @Override
    protected void runScale(ArrayTensor a, float s, long n) {
        pointwise.scale(a, s, (int) n);
    }

    @Override
    protected double runSumOfSquares(ArrayTensor a, long n) {
        return pointwise.sumOfSquares(a, (int) n);
    }

    // ---------------------------------------------------------------- embedding

    @Override
    protected void runEmbeddingForward(ArrayTensor out, int[] tokens, int[] positions, int n, ArrayTensor wte,
            ArrayTensor wpe, int c) {
        embedding.forward(out, tokens, positions, n, wte, wpe, c);
    }

    @Override
    protected void runEmbeddingBackward(ArrayTensor dwte, ArrayTensor dwpe, ArrayTensor dout, int[] tokens,
            int[] positions, int n, int c) {
        embedding.backward(dwte, dwpe, dout, tokens, positions, n, c);
    }

    // ---------------------------------------------------------------- layer norm

    @Override
    protected void runLayerNormForward(ArrayTensor out, ArrayTensor mean, ArrayTensor rstd, ArrayTensor inp,
            ArrayTensor weight, ArrayTensor bias, int n, int c, float eps) {
        layerNorm.forward(out, mean, rstd, inp, weight, bias, n, c, eps);
    }

    @Override
    protected void runLayerNormBackward(ArrayTensor dinp, ArrayTensor dweight, ArrayTensor dbias, ArrayTensor dout,
            ArrayTensor inp, ArrayTensor weight, ArrayTensor mean, ArrayTensor rstd, int n, int c) {
        layerNorm.backward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, n, c);
    }

    // ---------------------------------------------------------------- matmul

    @Override
    protected void runMatmulForward(ArrayTensor out, ArrayTensor inp, ArrayTensor weight, ArrayTensor bias, int n,
            int c, int oc, Layout layout) {
        matmul.forward(out, inp, weight, bias, n, c, oc, layout);
    }

    @Override
    protected void runMatmulBackward(ArrayTensor dinp, ArrayTensor dweight, ArrayTensor dbias, ArrayTensor dout,
            ArrayTensor inp, ArrayTensor weight, int n, int c, int oc, Layout layout) {
        matmul.backward(dinp, dweight, dbias, dout, inp, weight, n, c, oc, layout);
    }

    // ---------------------------------------------------------------- attention

    @Override
    protected void runAttentionForward(ArrayTensor out, ArrayTensor att, ArrayTensor qkv, int b, int t, Heads heads) {
        attention.forward(out, att, qkv, b, t, heads);
    }

    @Override
    protected void runAttentionBackward(ArrayTensor dqkv, ArrayTensor datt, ArrayTensor dout, ArrayTensor qkv,
            ArrayTensor att, int b, int t, Heads heads) {
        attention.backward(dqkv, datt, dout, qkv, att, b, t, heads);
    }

    @Override
    protected void runAttentionStep(ArrayTensor out, ArrayTensor qkv, ArrayTensor k, ArrayTensor v, int[] slots,
            int[] positions, int n, Heads heads, int maxT) {
        cached.step(out, qkv, k, v, slots, positions, n, heads, maxT);
    }

    @Override
    protected void runCacheStore(ArrayTensor k, ArrayTensor v, ArrayTensor qkv, int slot, int t, Heads heads,
            int maxT) {
        CachedAttention.store(k, v, qkv, slot, t, heads, maxT);
    }

    // ---------------------------------------------------------------- RMSNorm, rotary, SwiGLU

    @Override
    protected void runRmsNormForward(ArrayTensor out, ArrayTensor rstd, ArrayTensor inp, ArrayTensor weight, int n,
            int c, float eps) {
        rmsNorm.forward(out, rstd, inp, weight, weight, RmsNorm.Rows.plain(n, c), eps);
    }

    @Override
    protected void runRmsNormBackward(ArrayTensor dinp, ArrayTensor dweight, ArrayTensor dout, ArrayTensor inp,
            ArrayTensor weight, ArrayTensor rstd, int n, int c) {
        rmsNorm.backward(dinp, dweight, dweight, dout, inp, weight, weight, rstd, RmsNorm.Rows.plain(n, c));
    }

    @Override
    protected void runHeadRmsNormForward(ArrayTensor out, ArrayTensor rstd, ArrayTensor qkv, ArrayTensor qWeight,
            ArrayTensor kWeight, int n, Heads heads, float eps) {
        rmsNorm.forward(out, rstd, qkv, qWeight, kWeight, RmsNorm.Rows.heads(n, heads), eps);
    }

    @Override
    protected void runHeadRmsNormBackward(ArrayTensor dqkv, ArrayTensor dqWeight, ArrayTensor dkWeight,
            ArrayTensor dout, ArrayTensor qkv, ArrayTensor qWeight, ArrayTensor kWeight, ArrayTensor rstd, int n,
            Heads heads) {
        rmsNorm.backward(dqkv, dqWeight, dkWeight, dout, qkv, qWeight, kWeight, rstd, RmsNorm.Rows.heads(n, heads));
    }

    @Override
    protected void runRopeForward(ArrayTensor out, ArrayTensor qkv, int[] positions, ArrayTensor invFreq, int n,
            Heads heads) {
        rotary.forward(out, qkv, positions, invFreq, n, heads);
    }

    @Override
    protected void runRopeBackward(ArrayTensor dqkv, ArrayTensor dout, int[] positions, ArrayTensor invFreq, int n,
            Heads heads) {
        rotary.backward(dqkv, dout, positions, invFreq, n, heads);
    }

    @Override
    protected void runSwigluForward(ArrayTensor out, ArrayTensor gateUp, int n, int width) {
        swiglu.forward(out, gateUp, n, width);
    }

    @Override
    protected void runSwigluBackward(ArrayTensor dgateUp, ArrayTensor gateUp, ArrayTensor dout, int n, int width) {
        swiglu.backward(dgateUp, gateUp, dout, n, width);
    }

    // ---------------------------------------------------------------- pointwise

    @Override
    protected void runGeluForward(ArrayTensor out, ArrayTensor inp, long n) {
        pointwise.gelu(out, inp, (int) n);
    }

    @Override
    protected void runGeluBackward(ArrayTensor dinp, ArrayTensor inp, ArrayTensor dout, long n) {
        pointwise.geluBackward(dinp, inp, dout, (int) n);
    }

    @Override
    protected void runResidualForward(ArrayTensor out, ArrayTensor a, ArrayTensor b, long n) {
        pointwise.residual(out, a, b, (int) n);
    }

    // ---------------------------------------------------------------- log-probs

    @Override
    protected void runTokenLogprobs(float[] logprobs, float[] entropy, ArrayTensor logits, int[] targets, int n,
            int v, float temperature) {
        this.logprobs.forward(logprobs, entropy, logits, targets, n, v, temperature);
    }

    @Override
    protected void runTokenLogprobsBackward(ArrayTensor dlogits, ArrayTensor logits, int[] targets, float[] g, int n,
            int v, float temperature) {
        logprobs.backward(dlogits, logits, targets, g, n, v, temperature);
    }

    // ---------------------------------------------------------------- sampling

    @Override
    protected void runSample(int[] tokens, float[] logprobs, float[] logprobsT1, ArrayTensor logits, int n, int v,
            float temperature, int topK, float topP, float minP, long[] rng) {
        sampler.sample(tokens, logprobs, logprobsT1, logits, n, v, temperature, topK, topP, minP, rng);
    }

    // ---------------------------------------------------------------- optimizer

    @Override
    protected void runLoraForward(ArrayTensor out, int ldo, int col, ArrayTensor h, ArrayTensor inp, ArrayTensor a,
            ArrayTensor b, int n, int c, int r, int oc, float scale) {
        lora.forward(out, ldo, col, h, inp, a, b, n, c, r, oc, scale);
    }

    @Override
    protected void runLoraBackward(ArrayTensor dinp, ArrayTensor da, ArrayTensor db, ArrayTensor dh, ArrayTensor dout,
            int ldo, int col, ArrayTensor inp, ArrayTensor h, ArrayTensor a, ArrayTensor b, int n, int c, int r, int oc,
            float scale) {
        lora.backward(dinp, da, db, dh, dout, ldo, col, inp, h, a, b, n, c, r, oc, scale);
    }

    @Override
    protected void runDropout(ArrayTensor out, ArrayTensor inp, long n, float p, long seed, boolean backward) {
        Lora.dropout(out, inp, (int) n, p, seed, backward);
    }

    @Override
    protected void runAdamw(ArrayTensor params, ArrayTensor grads, ArrayTensor m, ArrayTensor v, long n, float lr,
            float beta1, float beta2, float eps, float weightDecay, int step) {
        adamw.update(params, grads, m, v, (int) n, lr, beta1, beta2, eps, weightDecay, step);
    }

    @Override
    public void close() {
        pool.close();
    }

    // ---------------------------------------------------------------- checks

    /** The Java tensor behind {@code t}, which must hold at least {@code needed} elements. */
    @Override
    protected ArrayTensor tensor(Tensor t, long needed, String what) {
        if (t == null) {
            throw new IllegalArgumentException(what + ": tensor is null");
        }
        if (!(t instanceof ArrayTensor)) {
            throw new IllegalArgumentException(what + ": tensor '" + t.name() + "' does not belong to the Java backend");
        }
        if (needed < 0 || needed > MAX_ELEMENTS) {
            throw new IllegalArgumentException(what + ": " + needed + " elements is not a valid size for tensor '"
                    + t.name() + "'");
        }
        t.expectAtLeast(needed, what);
        return (ArrayTensor) t;
    }
}
