package dev.cohort.trainer.internal.backend;

import java.util.Arrays;

/**
 * The GPU backend: every tensor lives in device memory for its whole life (parameters,
 * gradients, AdamW moments, activations, the KV cache); token ids, targets and per-token weights
 * go in as small host arrays, and only per-token log-probs, entropies, sampled tokens and
 * reductions come back. Kernels are in {@code libcohortcuda} (CUDA C++, in the CUDA fragment);
 * the matrix products run on cuBLAS where it can be loaded at run time, else on the library's
 * own tiled kernels, in fp32, TF32 or BF16 tensor-core precision (storage and accumulation stay
 * fp32). One thread at a time may call a backend; the calls are queued on one CUDA stream.
 */
public final class CudaBackend implements Backend {

    /** Who computes the matrix products. */
    public enum Gemm {
        /** The library's own kernels. */
        OWN,
        /** cuBLAS, which must load. */
        CUBLAS,
        /** cuBLAS if it loads, else the own kernels. */
        AUTO
    }

    /**
     * Precision of the matrix products; storage and accumulation stay fp32. FP32: full precision;
     * TF32: tensor cores with 10-bit mantissas; BF16: the linear layers' operands rounded to
     * bf16 for each product (attention's products in TF32).
     */
    public enum Precision {
        FP32, TF32, BF16
    }

    /** Settings of a backend: device index, matrix engine and precision, where to find cuBLAS ("" = the usual names). */
    public record Options(int device, Gemm gemm, Precision precision, String cublasPath) {

        public static final String CUBLAS_PROPERTY = "cohort.cuda.cublas";

        /** Device 0, cuBLAS if present, full fp32, cuBLAS path from the system property {@value #CUBLAS_PROPERTY}. */
        public static Options defaults() {
            return new Options(0, Gemm.AUTO, Precision.FP32, System.getProperty(CUBLAS_PROPERTY, ""));
        }

        public Options with(Precision p) {
            return new Options(device, gemm, p, cublasPath);
        }

        public Options with(Gemm g) {
            return new Options(device, g, precision, cublasPath);
        }
    }

    private final long ctx;
    private final String device;
    private final String gemmInfo;
    private final Options options;
    private boolean closed;
    private String lastRecordingError;

    private CudaBackend(long ctx, String device, String gemmInfo, Options options) {
        this.ctx = ctx;
        this.device = device;
        this.gemmInfo = gemmInfo;
        this.options = options;
    }

    /** Opens a backend on the options' device; throws naming why CUDA cannot be used. */
    public static CudaBackend open(Options options) {
        CudaLibrary.Probe probe = CudaLibrary.probe();
        if (!probe.available()) {
            throw new IllegalStateException(probe.reason());
        }
        long ctx = CudaNative.create(options.device(), options.gemm().ordinal(), options.precision().ordinal(),
                options.cublasPath() == null ? "" : options.cublasPath());
        try {
            String info = CudaNative.deviceInfo(options.device());
            return new CudaBackend(ctx, info.split("\\|")[0], CudaNative.gemmInfo(ctx), options);
        } catch (RuntimeException e) {
            CudaNative.destroy(ctx);
            throw e;
        }
    }

    @Override
    public String name() {
        return "cuda";
    }

    /** The device's name, e.g. "NVIDIA H200". */
    public String device() {
        return device;
    }

    /** What computes the matrix products, e.g. "cuBLAS 130100 (TF32)" or "own kernels (fp32)". */
    public String gemmInfo() {
        return gemmInfo;
    }

    public Options options() {
        return options;
    }

    /**
     * Per-op GPU and host times since the last call when the process runs with
     * COHORT_CUDA_PROFILE=1, else the empty string.
     */
    public String profile() {
        return CudaNative.profile(live());
    }

    /** Waits for every queued operation (for timing; reads already wait). */
    public void synchronize() {
        CudaNative.synchronize(live());
    }

    // ---------------------------------------------------------------- tensors

    @Override
    public Tensor allocate(String name, long elements) {
        if (elements < 0) {
            throw new IllegalArgumentException("tensor '" + name + "': cannot allocate " + elements + " elements");
        }
        long ptr = CudaNative.malloc(live(), Math.max(4, elements * 4));
        CudaNative.zero(ctx, ptr, elements);
        return new CudaTensor(this, name, elements, ptr);
    }

    @Override
    public void release(Tensor t) {
        CudaTensor c = tensor(t, 0, "release");
        if (c.owner != c) {
            throw new IllegalArgumentException("release: tensor '" + c.name() + "' is a view; release its base '"
                    + c.owner.name() + "'");
        }
        c.released = true;
        CudaNative.free(live(), c.address);
    }

    @Override
    public Tensor view(Tensor base, String name, long offset, int... shape) {
        CudaTensor b = tensor(base, 0, "view base");
        long size = 1;
        for (int d : shape) {
            size *= d;
        }
        if (offset < 0 || size < 0 || offset + size > b.size()) {
            throw new IllegalArgumentException("view '" + name + "' " + Arrays.toString(shape) + " at offset " + offset
                    + " needs elements [" + offset + ", " + (offset + size) + ") but tensor '" + b.name() + "' has "
                    + b.size());
        }
        return new CudaTensor(this, name, shape, b.address + 4 * offset, b.owner);
    }

    @Override
    public void write(Tensor dst, float[] src) {
        CudaTensor t = sameSize(dst, src.length, "write");
        CudaNative.write(ctx, t.address, src, src.length);
    }

    @Override
    public void read(Tensor src, float[] dst) {
        CudaTensor t = sameSize(src, dst.length, "read");
        CudaNative.read(ctx, t.address, dst, dst.length);
    }

    @Override
    public void zero(Tensor t) {
        CudaTensor c = tensor(t, 0, "zero");
        CudaNative.zero(ctx, c.address, c.size());
    }

    @Override
    public void accumulate(Tensor dst, Tensor src) {
        CudaTensor d = tensor(dst, 0, "accumulate dst");
        CudaNative.accumulate(ctx, d.address, tensor(src, d.size(), "accumulate src (dst's size)").address, d.size());
    }

    @Override
    public void scale(Tensor t, float s) {
        CudaTensor c = tensor(t, 0, "scale");
        CudaNative.scale(ctx, c.address, c.size(), s);
    }

    @Override
    public double sumOfSquares(Tensor t) {
        CudaTensor c = tensor(t, 0, "sumOfSquares");
        return CudaNative.sumOfSquares(ctx, c.address, c.size());
    }

    // ---------------------------------------------------------------- embedding

    @Override
    public void embeddingForward(Tensor out, int[] tokens, int[] positions, int n, Tensor wte, Tensor wpe, int c) {
        Shapes.positive(c, "embeddingForward C");
        CudaTensor te = tensor(wte, 0, "embeddingForward wte");
        CudaTensor pe = tensor(wpe, 0, "embeddingForward wpe");
        Shapes.ids(tokens, n, te.size() / c, "embeddingForward tokens", te);
        Shapes.ids(positions, n, pe.size() / c, "embeddingForward positions", pe);
        CudaNative.embeddingForward(ctx, tensor(out, (long) n * c, "embeddingForward out (N*C)").address, tokens,
                positions, n, te.address, pe.address, c);
    }

    @Override
    public void embeddingBackward(Tensor dwte, Tensor dwpe, Tensor dout, int[] tokens, int[] positions, int n,
            int c) {
        Shapes.positive(c, "embeddingBackward C");
        CudaTensor te = tensor(dwte, 0, "embeddingBackward dwte");
        CudaTensor pe = tensor(dwpe, 0, "embeddingBackward dwpe");
        Shapes.ids(tokens, n, te.size() / c, "embeddingBackward tokens", te);
        Shapes.ids(positions, n, pe.size() / c, "embeddingBackward positions", pe);
        CudaNative.embeddingBackward(ctx, te.address, pe.address,
                tensor(dout, (long) n * c, "embeddingBackward dout (N*C)").address, tokens, positions, n, c);
    }

    // ---------------------------------------------------------------- layer norm

    @Override
    public void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor inp, Tensor weight, Tensor bias,
            int n, int c, float eps) {
        long nc = Shapes.product(n, c, "layerNormForward N*C");
        CudaNative.layerNormForward(ctx, tensor(out, nc, "layerNormForward out (N*C)").address,
                tensor(mean, n, "layerNormForward mean (N)").address, tensor(rstd, n, "layerNormForward rstd (N)").address,
                tensor(inp, nc, "layerNormForward inp (N*C)").address,
                tensor(weight, c, "layerNormForward weight (C)").address,
                tensor(bias, c, "layerNormForward bias (C)").address, n, c, eps);
    }

    @Override
    public void layerNormBackward(Tensor dinp, Tensor dweight, Tensor dbias, Tensor dout, Tensor inp, Tensor weight,
            Tensor mean, Tensor rstd, int n, int c) {
        long nc = Shapes.product(n, c, "layerNormBackward N*C");
        CudaNative.layerNormBackward(ctx, tensor(dinp, nc, "layerNormBackward dinp (N*C)").address,
                tensor(dweight, c, "layerNormBackward dweight (C)").address,
                tensor(dbias, c, "layerNormBackward dbias (C)").address,
                tensor(dout, nc, "layerNormBackward dout (N*C)").address,
                tensor(inp, nc, "layerNormBackward inp (N*C)").address,
                tensor(weight, c, "layerNormBackward weight (C)").address,
                tensor(mean, n, "layerNormBackward mean (N)").address,
                tensor(rstd, n, "layerNormBackward rstd (N)").address, n, c);
    }

    // ---------------------------------------------------------------- matmul

    @Override
    public void matmulForward(Tensor out, Tensor inp, Tensor weight, Tensor bias, int n, int c, int oc,
            Layout layout) {
        Shapes.product(n, Math.max(c, oc), "matmulForward N*max(C, OC)");
        long w = Shapes.product(c, oc, "matmulForward C*OC");
        CudaNative.matmulForward(ctx, tensor(out, (long) n * oc, "matmulForward out (N*OC)").address,
                tensor(inp, (long) n * c, "matmulForward inp (N*C)").address,
                tensor(weight, w, "matmulForward weight (C*OC)").address,
                bias == null ? 0 : tensor(bias, oc, "matmulForward bias (OC)").address, n, c, oc,
                layout == Layout.OUT_IN);
    }

    @Override
    public void matmulBackward(Tensor dinp, Tensor dweight, Tensor dbias, Tensor dout, Tensor inp, Tensor weight,
            int n, int c, int oc, Layout layout) {
        Shapes.product(n, Math.max(c, oc), "matmulBackward N*max(C, OC)");
        long w = Shapes.product(c, oc, "matmulBackward C*OC");
        CudaNative.matmulBackward(ctx, dinp == null ? 0 : tensor(dinp, (long) n * c, "matmulBackward dinp (N*C)").address,
                tensor(dweight, w, "matmulBackward dweight (C*OC)").address,
                dbias == null ? 0 : tensor(dbias, oc, "matmulBackward dbias (OC)").address,
                tensor(dout, (long) n * oc, "matmulBackward dout (N*OC)").address,
                tensor(inp, (long) n * c, "matmulBackward inp (N*C)").address,
                tensor(weight, w, "matmulBackward weight (C*OC)").address, n, c, oc, layout == Layout.OUT_IN);
    }

    // ---------------------------------------------------------------- attention

    @Override
    public void attentionForward(Tensor out, Tensor att, Tensor qkv, int b, int t, int c, int nh) {
        long btc = Shapes.attention(b, t, c, nh, "attentionForward");
        long att4 = Shapes.product(b * nh, (long) t * t, "attentionForward B*NH*T*T");
        CudaNative.attentionForward(ctx, tensor(out, btc, "attentionForward out (B*T*C)").address,
                tensor(att, att4, "attentionForward att (B*NH*T*T)").address,
                tensor(qkv, 3 * btc, "attentionForward qkv (B*T*3C)").address, b, t, c, nh);
    }

    @Override
    public void attentionBackward(Tensor dqkv, Tensor datt, Tensor dout, Tensor qkv, Tensor att, int b, int t, int c,
            int nh) {
        long btc = Shapes.attention(b, t, c, nh, "attentionBackward");
        long att4 = Shapes.product(b * nh, (long) t * t, "attentionBackward B*NH*T*T");
        CudaNative.attentionBackward(ctx, tensor(dqkv, 3 * btc, "attentionBackward dqkv (B*T*3C)").address,
                tensor(datt, att4, "attentionBackward datt (B*NH*T*T)").address,
                tensor(dout, btc, "attentionBackward dout (B*T*C)").address,
                tensor(qkv, 3 * btc, "attentionBackward qkv (B*T*3C)").address,
                tensor(att, att4, "attentionBackward att (B*NH*T*T)").address, b, t, c, nh);
    }

    @Override
    public void attentionStep(Tensor out, Tensor qkv, Tensor kCache, Tensor vCache, int[] slots, int[] positions,
            int n, int c, int nh, int maxT) {
        long nc = Shapes.attention(n, 1, c, nh, "attentionStep");
        CudaTensor k = tensor(kCache, 0, "attentionStep kCache");
        CudaTensor v = tensor(vCache, k.size(), "attentionStep vCache (kCache's size)");
        Shapes.ids(slots, n, Shapes.slots(k, maxT, c), "attentionStep slots", k);
        Shapes.ids(positions, n, maxT, "attentionStep positions (maxT)", k);
        CudaNative.attentionStep(ctx, tensor(out, nc, "attentionStep out (n*C)").address,
                tensor(qkv, 3 * nc, "attentionStep qkv (n*3C)").address, k.address, v.address, slots, positions, n, c,
                nh, maxT);
    }

    @Override
    public void cacheStore(Tensor kCache, Tensor vCache, Tensor qkv, int slot, int t, int c, int nh, int maxT) {
        long tc = Shapes.attention(1, t, c, nh, "cacheStore");
        CudaTensor k = tensor(kCache, 0, "cacheStore kCache");
        CudaTensor v = tensor(vCache, k.size(), "cacheStore vCache (kCache's size)");
        long slots = Shapes.slots(k, maxT, c);
        if (slot < 0 || slot >= slots) {
            throw new IllegalArgumentException("cacheStore: slot " + slot + " is outside [0, " + slots + ") for tensor '"
                    + k.name() + "'");
        }
        if (t > maxT) {
            throw new IllegalArgumentException("cacheStore: T = " + t + " positions exceed maxT = " + maxT
                    + " of tensor '" + k.name() + "'");
        }
        CudaNative.cacheStore(ctx, k.address, v.address, tensor(qkv, 3 * tc, "cacheStore qkv (T*3C)").address, slot, t,
                c, nh, maxT);
    }

    // ---------------------------------------------------------------- pointwise

    @Override
    public void geluForward(Tensor out, Tensor inp, long n) {
        CudaNative.geluForward(ctx, tensor(out, n, "geluForward out").address, tensor(inp, n, "geluForward inp").address,
                n);
    }

    @Override
    public void geluBackward(Tensor dinp, Tensor inp, Tensor dout, long n) {
        CudaNative.geluBackward(ctx, tensor(dinp, n, "geluBackward dinp").address,
                tensor(inp, n, "geluBackward inp").address, tensor(dout, n, "geluBackward dout").address, n);
    }

    @Override
    public void residualForward(Tensor out, Tensor a, Tensor b, long n) {
        CudaNative.residualForward(ctx, tensor(out, n, "residualForward out").address,
                tensor(a, n, "residualForward a").address, tensor(b, n, "residualForward b").address, n);
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
        CudaNative.tokenLogprobs(ctx, logprobs, entropy, tensor(logits, nv, "tokenLogprobs logits (N*V)").address,
                targets, n, v, temperature);
    }

    @Override
    public void tokenLogprobsBackward(Tensor dlogits, Tensor logits, int[] targets, float[] g, int n, int v,
            float temperature) {
        long nv = Shapes.logits(n, v, temperature, "tokenLogprobsBackward");
        Shapes.rows(g, n, "tokenLogprobsBackward g");
        Shapes.targets(targets, n, v, "tokenLogprobsBackward");
        CudaNative.tokenLogprobsBackward(ctx, tensor(dlogits, nv, "tokenLogprobsBackward dlogits (N*V)").address,
                tensor(logits, nv, "tokenLogprobsBackward logits (N*V)").address, targets, g, n, v, temperature);
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
        CudaNative.sample(ctx, tokens, logprobs, logprobsT1, tensor(logits, nv, "sample logits (n*V)").address, n, v,
                temperature, topK > 0 && topK < v ? topK : 0, topP, minP, rng);
    }

    // ---------------------------------------------------------------- optimizer

    @Override
    public void adamw(Tensor params, Tensor grads, Tensor m, Tensor v, long n, float lr, float beta1, float beta2,
            float eps, float weightDecay, int step) {
        if (step < 1) {
            throw new IllegalArgumentException("adamw: step counts from 1, got " + step);
        }
        CudaNative.adamw(ctx, tensor(params, n, "adamw params").address, tensor(grads, n, "adamw grads").address,
                tensor(m, n, "adamw m").address, tensor(v, n, "adamw v").address, n, lr, beta1, beta2, eps,
                weightDecay, (float) (1.0 - Math.pow(beta1, step)), (float) (1.0 - Math.pow(beta2, step)));
    }

    // ---------------------------------------------------------------- recorded steps

    /**
     * System property: {@code true} turns on the recording of decoding steps into CUDA graphs.
     * Off by default until the recorded path has been measured on a GPU (see docs/cuda-backend.md).
     */
    public static final String GRAPHS_PROPERTY = "cohort.cuda.graphs";

    @Override
    public StepGraph recordStep(int rows, Runnable step) {
        if (!"true".equalsIgnoreCase(System.getProperty(GRAPHS_PROPERTY))) {
            return null;
        }
        if (!CudaNative.graphBegin(live(), rows)) {
            return null;
        }
        long graph;
        try {
            step.run();
        } catch (RuntimeException e) {
            try {
                long partial = CudaNative.graphEnd(ctx);
                if (partial != 0) {
                    CudaNative.graphFree(ctx, partial);
                }
            } catch (IllegalStateException ignored) {
                // the capture was invalidated too; the step's own error says why
            }
            lastRecordingError = e.getMessage();
            return null;
        }
        try {
            graph = CudaNative.graphEnd(ctx);
        } catch (IllegalStateException e) {
            lastRecordingError = e.getMessage();
            return null;
        }
        return new CudaStepGraph(graph, rows);
    }

    /** Why the last {@link #recordStep} returned null after trying, or null. */
    public String lastRecordingError() {
        return lastRecordingError;
    }

    private final class CudaStepGraph implements StepGraph {
        private long handle;
        private final int rows;

        CudaStepGraph(long handle, int rows) {
            this.handle = handle;
            this.rows = rows;
        }

        @Override
        public boolean replay(int[] tokens, int[] positions, int[] slots, int n) {
            if (handle == 0) {
                throw new IllegalStateException("recorded step for " + rows + " rows is closed");
            }
            Shapes.rows(tokens, n, "replay tokens");
            Shapes.rows(positions, n, "replay positions");
            Shapes.rows(slots, n, "replay slots");
            return CudaNative.graphLaunch(live(), handle, tokens, positions, slots, n);
        }

        @Override
        public void close() {
            if (handle != 0 && !closed) {
                CudaNative.graphFree(ctx, handle);
            }
            handle = 0;
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            CudaNative.destroy(ctx);
        }
    }

    // ---------------------------------------------------------------- checks

    private long live() {
        if (closed) {
            throw new IllegalStateException("the CUDA backend on " + device + " is closed");
        }
        return ctx;
    }

    private CudaTensor tensor(Tensor t, long needed, String what) {
        live();
        if (t == null) {
            throw new IllegalArgumentException(what + ": tensor is null");
        }
        if (!(t instanceof CudaTensor c) || c.backend != this) {
            throw new IllegalArgumentException(what + ": tensor '" + t.name() + "' does not belong to this CUDA backend");
        }
        if (c.owner.released) {
            throw new IllegalArgumentException(what + ": tensor '" + t.name() + "' was released");
        }
        t.expectAtLeast(needed, what);
        return c;
    }

    private CudaTensor sameSize(Tensor t, int length, String what) {
        CudaTensor a = tensor(t, 0, what);
        if (a.size() != length) {
            throw new IllegalArgumentException("tensor '" + a.name() + "' has " + a.size() + " elements, " + what
                    + " array has " + length);
        }
        return a;
    }
}
