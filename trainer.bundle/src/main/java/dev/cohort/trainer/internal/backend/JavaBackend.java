package dev.cohort.trainer.internal.backend;

import java.util.Arrays;

/**
 * The reference backend: tensors are Java float arrays, and the heavy ops run on a fixed pool of
 * compute threads (see {@link ComputePool}), each split into as many contiguous ranges as there
 * are threads. Scratch buffers are allocated once per worker (or grown), so that the steady
 * state allocates nothing. One thread at a time may call a backend, as with a device stream.
 * <p>
 * This class checks arguments and hands the arrays to one kernel class per op family; every
 * shape error names the tensor, the op argument and both sizes.
 */
public final class JavaBackend implements Backend {

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
    public Tensor view(Tensor base, String name, long offset, int... shape) {
        ArrayTensor b = tensor(base, 0, "view base");
        long size = 1;
        for (int d : shape) {
            size *= d;
        }
        if (offset < 0 || size < 0 || offset + size > b.size()) {
            throw new IllegalArgumentException("view '" + name + "' " + Arrays.toString(shape) + " at offset " + offset
                    + " needs elements [" + offset + ", " + (offset + size) + ") but tensor '" + b.name() + "' has "
                    + b.size());
        }
        return new ArrayTensor(name, shape, b.data, b.offset + (int) offset);
    }

    @Override
    public void write(Tensor dst, float[] src) {
        ArrayTensor t = sameSize(dst, src.length, "write");
        System.arraycopy(src, 0, t.data, t.offset, src.length);
    }

    @Override
    public void read(Tensor src, float[] dst) {
        ArrayTensor t = sameSize(src, dst.length, "read");
        System.arraycopy(t.data, t.offset, dst, 0, dst.length);
    }

    @Override
    public void zero(Tensor t) {
        ArrayTensor a = tensor(t, 0, "zero");
        Arrays.fill(a.data, a.offset, a.end(), 0f);
    }

    @Override
    public void accumulate(Tensor dst, Tensor src) {
        ArrayTensor d = tensor(dst, 0, "accumulate dst");
        pointwise.accumulate(d, tensor(src, d.size(), "accumulate src (dst's size)"), (int) d.size());
    }

    @Override
    public void scale(Tensor t, float s) {
        ArrayTensor a = tensor(t, 0, "scale");
        pointwise.scale(a, s, (int) a.size());
    }

    @Override
    public double sumOfSquares(Tensor t) {
        ArrayTensor a = tensor(t, 0, "sumOfSquares");
        return pointwise.sumOfSquares(a, (int) a.size());
    }

    // ---------------------------------------------------------------- embedding

    @Override
    public void embeddingForward(Tensor out, int[] tokens, int[] positions, int n, Tensor wte, Tensor wpe, int c) {
        Shapes.positive(c, "embeddingForward C");
        ArrayTensor te = tensor(wte, 0, "embeddingForward wte");
        ArrayTensor pe = tensor(wpe, 0, "embeddingForward wpe");
        Shapes.ids(tokens, n, te.size() / c, "embeddingForward tokens", te);
        Shapes.ids(positions, n, pe.size() / c, "embeddingForward positions", pe);
        embedding.forward(tensor(out, (long) n * c, "embeddingForward out (N*C)"), tokens, positions, n, te, pe, c);
    }

    @Override
    public void embeddingBackward(Tensor dwte, Tensor dwpe, Tensor dout, int[] tokens, int[] positions, int n,
            int c) {
        Shapes.positive(c, "embeddingBackward C");
        ArrayTensor te = tensor(dwte, 0, "embeddingBackward dwte");
        ArrayTensor pe = tensor(dwpe, 0, "embeddingBackward dwpe");
        Shapes.ids(tokens, n, te.size() / c, "embeddingBackward tokens", te);
        Shapes.ids(positions, n, pe.size() / c, "embeddingBackward positions", pe);
        embedding.backward(te, pe, tensor(dout, (long) n * c, "embeddingBackward dout (N*C)"), tokens, positions, n,
                c);
    }

    // ---------------------------------------------------------------- layer norm

    @Override
    public void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor inp, Tensor weight, Tensor bias,
            int n, int c, float eps) {
        long nc = Shapes.product(n, c, "layerNormForward N*C");
        layerNorm.forward(tensor(out, nc, "layerNormForward out (N*C)"), tensor(mean, n, "layerNormForward mean (N)"),
                tensor(rstd, n, "layerNormForward rstd (N)"), tensor(inp, nc, "layerNormForward inp (N*C)"),
                tensor(weight, c, "layerNormForward weight (C)"), tensor(bias, c, "layerNormForward bias (C)"), n, c,
                eps);
    }

    @Override
    public void layerNormBackward(Tensor dinp, Tensor dweight, Tensor dbias, Tensor dout, Tensor inp, Tensor weight,
            Tensor mean, Tensor rstd, int n, int c) {
        long nc = Shapes.product(n, c, "layerNormBackward N*C");
        layerNorm.backward(tensor(dinp, nc, "layerNormBackward dinp (N*C)"),
                tensor(dweight, c, "layerNormBackward dweight (C)"), tensor(dbias, c, "layerNormBackward dbias (C)"),
                tensor(dout, nc, "layerNormBackward dout (N*C)"), tensor(inp, nc, "layerNormBackward inp (N*C)"),
                tensor(weight, c, "layerNormBackward weight (C)"), tensor(mean, n, "layerNormBackward mean (N)"),
                tensor(rstd, n, "layerNormBackward rstd (N)"), n, c);
    }

    // ---------------------------------------------------------------- matmul

    @Override
    public void matmulForward(Tensor out, Tensor inp, Tensor weight, Tensor bias, int n, int c, int oc,
            Layout layout) {
        Shapes.product(n, Math.max(c, oc), "matmulForward N*max(C, OC)");
        long w = Shapes.product(c, oc, "matmulForward C*OC");
        matmul.forward(tensor(out, (long) n * oc, "matmulForward out (N*OC)"),
                tensor(inp, (long) n * c, "matmulForward inp (N*C)"), tensor(weight, w, "matmulForward weight (C*OC)"),
                bias == null ? null : tensor(bias, oc, "matmulForward bias (OC)"), n, c, oc, layout);
    }

    @Override
    public void matmulBackward(Tensor dinp, Tensor dweight, Tensor dbias, Tensor dout, Tensor inp, Tensor weight,
            int n, int c, int oc, Layout layout) {
        Shapes.product(n, Math.max(c, oc), "matmulBackward N*max(C, OC)");
        long w = Shapes.product(c, oc, "matmulBackward C*OC");
        matmul.backward(dinp == null ? null : tensor(dinp, (long) n * c, "matmulBackward dinp (N*C)"),
                tensor(dweight, w, "matmulBackward dweight (C*OC)"),
                dbias == null ? null : tensor(dbias, oc, "matmulBackward dbias (OC)"),
                tensor(dout, (long) n * oc, "matmulBackward dout (N*OC)"),
                tensor(inp, (long) n * c, "matmulBackward inp (N*C)"), tensor(weight, w, "matmulBackward weight (C*OC)"),
                n, c, oc, layout);
    }

    // ---------------------------------------------------------------- attention

    @Override
    public void attentionForward(Tensor out, Tensor att, Tensor qkv, int b, int t, int c, int nh) {
        long btc = Shapes.attention(b, t, c, nh, "attentionForward");
        long att4 = Shapes.product(b * nh, (long) t * t, "attentionForward B*NH*T*T");
        attention.forward(tensor(out, btc, "attentionForward out (B*T*C)"),
                tensor(att, att4, "attentionForward att (B*NH*T*T)"), tensor(qkv, 3 * btc, "attentionForward qkv (B*T*3C)"),
                b, t, c, nh);
    }

    @Override
    public void attentionBackward(Tensor dqkv, Tensor datt, Tensor dout, Tensor qkv, Tensor att, int b, int t, int c,
            int nh) {
        long btc = Shapes.attention(b, t, c, nh, "attentionBackward");
        long att4 = Shapes.product(b * nh, (long) t * t, "attentionBackward B*NH*T*T");
        attention.backward(tensor(dqkv, 3 * btc, "attentionBackward dqkv (B*T*3C)"),
                tensor(datt, att4, "attentionBackward datt (B*NH*T*T)"),
                tensor(dout, btc, "attentionBackward dout (B*T*C)"), tensor(qkv, 3 * btc, "attentionBackward qkv (B*T*3C)"),
                tensor(att, att4, "attentionBackward att (B*NH*T*T)"), b, t, c, nh);
    }

    @Override
    public void attentionStep(Tensor out, Tensor qkv, Tensor kCache, Tensor vCache, int[] slots, int[] positions,
            int n, int c, int nh, int maxT) {
        long nc = Shapes.attention(n, 1, c, nh, "attentionStep");
        ArrayTensor k = tensor(kCache, 0, "attentionStep kCache");
        ArrayTensor v = tensor(vCache, k.size(), "attentionStep vCache (kCache's size)");
        Shapes.ids(slots, n, Shapes.slots(k, maxT, c), "attentionStep slots", k);
        Shapes.ids(positions, n, maxT, "attentionStep positions (maxT)", k);
        cached.step(tensor(out, nc, "attentionStep out (n*C)"), tensor(qkv, 3 * nc, "attentionStep qkv (n*3C)"), k, v,
                slots, positions, n, c, nh, maxT);
    }

    @Override
    public void cacheStore(Tensor kCache, Tensor vCache, Tensor qkv, int slot, int t, int c, int nh, int maxT) {
        long tc = Shapes.attention(1, t, c, nh, "cacheStore");
        ArrayTensor k = tensor(kCache, 0, "cacheStore kCache");
        ArrayTensor v = tensor(vCache, k.size(), "cacheStore vCache (kCache's size)");
        long slots = Shapes.slots(k, maxT, c);
        if (slot < 0 || slot >= slots) {
            throw new IllegalArgumentException("cacheStore: slot " + slot + " is outside [0, " + slots + ") for tensor '"
                    + k.name() + "'");
        }
        if (t > maxT) {
            throw new IllegalArgumentException("cacheStore: T = " + t + " positions exceed maxT = " + maxT
                    + " of tensor '" + k.name() + "'");
        }
        CachedAttention.store(k, v, tensor(qkv, 3 * tc, "cacheStore qkv (T*3C)"), slot, t, c, nh, maxT);
    }

    // ---------------------------------------------------------------- pointwise

    @Override
    public void geluForward(Tensor out, Tensor inp, long n) {
        pointwise.gelu(tensor(out, n, "geluForward out"), tensor(inp, n, "geluForward inp"), (int) n);
    }

    @Override
    public void geluBackward(Tensor dinp, Tensor inp, Tensor dout, long n) {
        pointwise.geluBackward(tensor(dinp, n, "geluBackward dinp"), tensor(inp, n, "geluBackward inp"),
                tensor(dout, n, "geluBackward dout"), (int) n);
    }

    @Override
    public void residualForward(Tensor out, Tensor a, Tensor b, long n) {
        pointwise.residual(tensor(out, n, "residualForward out"), tensor(a, n, "residualForward a"),
                tensor(b, n, "residualForward b"), (int) n);
    }

    // ---------------------------------------------------------------- log-probs

    @Override
    public void tokenLogprobs(float[] logprobs, float[] entropy, Tensor logits, int[] targets, int n, int v,
            float temperature) {
        long nv = Shapes.logits(n, v, temperature, "tokenLogprobs");
        Shapes.rows(logprobs, n, "tokenLogprobs logprobs");
        if (entropy != null) {
            Shapes.rows(entropy, n, "tokenLogprobs entropy");
        }
        Shapes.targets(targets, n, v, "tokenLogprobs");
        this.logprobs.forward(logprobs, entropy, tensor(logits, nv, "tokenLogprobs logits (N*V)"), targets, n, v,
                temperature);
    }

    @Override
    public void tokenLogprobsBackward(Tensor dlogits, Tensor logits, int[] targets, float[] g, int n, int v,
            float temperature) {
        long nv = Shapes.logits(n, v, temperature, "tokenLogprobsBackward");
        Shapes.rows(g, n, "tokenLogprobsBackward g");
        Shapes.targets(targets, n, v, "tokenLogprobsBackward");
        logprobs.backward(tensor(dlogits, nv, "tokenLogprobsBackward dlogits (N*V)"),
                tensor(logits, nv, "tokenLogprobsBackward logits (N*V)"), targets, g, n, v, temperature);
    }

    // ---------------------------------------------------------------- sampling

    @Override
    public void sample(int[] tokens, float[] logprobs, float[] logprobsT1, Tensor logits, int n, int v,
            float temperature, int topK, float topP, float minP, long[] rng) {
        long nv = Shapes.sampling(n, v, temperature, topK, topP, minP);
        Shapes.rows(tokens, n, "sample tokens");
        Shapes.rows(logprobs, n, "sample logprobs");
        Shapes.rows(logprobsT1, n, "sample logprobsT1");
        Shapes.rows(rng, n, "sample rng");
        sampler.sample(tokens, logprobs, logprobsT1, tensor(logits, nv, "sample logits (n*V)"), n, v, temperature,
                topK, topP, minP, rng);
    }

    // ---------------------------------------------------------------- optimizer

    @Override
    public void adamw(Tensor params, Tensor grads, Tensor m, Tensor v, long n, float lr, float beta1, float beta2,
            float eps, float weightDecay, int step) {
        if (step < 1) {
            throw new IllegalArgumentException("adamw: step counts from 1, got " + step);
        }
        adamw.update(tensor(params, n, "adamw params"), tensor(grads, n, "adamw grads"), tensor(m, n, "adamw m"),
                tensor(v, n, "adamw v"), (int) n, lr, beta1, beta2, eps, weightDecay, step);
    }

    @Override
    public void close() {
        pool.close();
    }

    // ---------------------------------------------------------------- checks

    /** The Java tensor behind {@code t}, which must hold at least {@code needed} elements. */
    private static ArrayTensor tensor(Tensor t, long needed, String what) {
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

    private static ArrayTensor sameSize(Tensor t, int length, String what) {
        ArrayTensor a = tensor(t, 0, what);
        if (a.size() != length) {
            throw new IllegalArgumentException("tensor '" + a.name() + "' has " + a.size() + " elements, " + what
                    + " array has " + length);
        }
        return a;
    }
}
