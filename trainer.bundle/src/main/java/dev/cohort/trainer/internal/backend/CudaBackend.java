package dev.cohort.trainer.internal.backend;

/**
 * The GPU backend: every tensor lives in device memory for its whole life (parameters,
 * gradients, AdamW moments, activations, the KV cache); token ids, targets and per-token weights
 * go in as small host arrays, and only per-token log-probs, entropies, sampled tokens and
 * reductions come back. Kernels are in {@code libcohortcuda} (CUDA C++, in the CUDA fragment);
 * the matrix products run on cuBLAS where it can be loaded at run time, else on the library's
 * own tiled kernels, in fp32, TF32 or BF16 tensor-core precision (storage and accumulation stay
 * fp32). One thread at a time may call a backend; the calls are queued on one CUDA stream.
 */
public final class CudaBackend extends CheckedBackend<CudaTensor> {

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

    /**
     * System property, on by default: the training attention (forward and backward) is computed in
     * tiles on the tensor cores in TF32 (fused_attention.cuh), without materialising the
     * (B, NH, T, T) probabilities, where the matmul precision is TF32 or BF16, cuBLAS is in use and
     * the head size is 64 or 128 (multi-head or grouped-query); {@code false} materialises them (cuBLAS products and a softmax kernel).
     * CudaParityTest#fusedAttention checks it against the Java backend.
     */
    public static final String FUSED_ATTENTION_PROPERTY = "cohort.cuda.fusedAttention";

    /**
     * System property: {@code true} computes forward products of at most 128 rows (a decoding
     * step's) with the library's own TF32 tensor-core kernel, split along K, instead of cuBLAS,
     * where the matmul precision is TF32 or BF16. Off by default: it passes
     * CudaParityTest#fewRowsGemm, but on an H200 it took 21.1 µs per product against cuBLAS's 11.8
     * (docs/benchmarks.md).
     */
    public static final String FEW_ROWS_GEMM_PROPERTY = "cohort.cuda.fewRowsGemm";

    /**
     * System property: {@code true} keeps the decoding KV cache (cacheStore, attentionStep) in bf16,
     * halving what a decoding step reads from it; keys and values are rounded to nearest even,
     * the attention computes in fp32. Off by default: it moves sampled log-probs by about 1e-3
     * (CudaParityTest#bf16KvCache) and measured level with the fp32 cache on an H200.
     */
    public static final String BF16_KV_CACHE_PROPERTY = "cohort.cuda.bf16KvCache";

    /**
     * The fused attention (where it applies, see {@link #FUSED_ATTENTION_PROPERTY}) keeps each
     * row's log-sum-exp and a copy of the output: B * NH * T * (1 + head size) elements.
     */
    @Override
    public long attentionStateSize(int b, int t, Heads heads) {
        return fused(heads) ? (long) b * heads.q() * t * (1 + heads.size()) : super.attentionStateSize(b, t, heads);
    }

    /** The fused attention needs no (B, NH, T, T) scratch. */
    @Override
    public long attentionScratchSize(int b, int t, Heads heads) {
        return fused(heads) ? 0 : super.attentionScratchSize(b, t, heads);
    }

    private boolean fused(Heads heads) {
        return CudaNative.fusedAttention(live(), heads.size());
    }

    /**
     * System property: {@code true} lets runs put Llama-family models (RMSNorm, rotary
     * embeddings, SwiGLU, grouped-query attention) on this backend. Off until the kernels, checked
     * on the CPU in every build (docs/cuda-backend.md), have passed CudaLlamaParityTest on a GPU;
     * without it, {@code backend: auto} runs them on Java and says why.
     */
    public static final String LLAMA_PROPERTY = "cohort.cuda.llama";

    /** Whether runs may put Llama-family models on this backend (see {@link #LLAMA_PROPERTY}). */
    public static boolean runsLlamaFamily() {
        return Boolean.getBoolean(LLAMA_PROPERTY);
    }

    /** Whether {@link #FUSED_ATTENTION_PROPERTY} leaves the fused attention on (anything but false). */
    public static boolean fusedAttentionRequested() {
        return !"false".equalsIgnoreCase(System.getProperty(FUSED_ATTENTION_PROPERTY, "true").trim());
    }

    /** Opens a backend on the options' device; throws naming why CUDA cannot be used. */
    public static CudaBackend open(Options options) {
        CudaLibrary.Probe probe = CudaLibrary.probe();
        if (!probe.available()) {
            throw new IllegalStateException(probe.reason());
        }
        int features = (fusedAttentionRequested() ? CudaNative.FUSED_ATTENTION : 0)
                | (Boolean.getBoolean(FEW_ROWS_GEMM_PROPERTY) ? CudaNative.FEW_ROWS_GEMM : 0)
                | (Boolean.getBoolean(BF16_KV_CACHE_PROPERTY) ? CudaNative.BF16_KV_CACHE : 0);
        long ctx = CudaNative.create(options.device(), options.gemm().ordinal(), options.precision().ordinal(),
                options.cublasPath() == null ? "" : options.cublasPath(), features);
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
    protected CudaTensor runView(CudaTensor b, String name, long offset, int[] shape) {
        return new CudaTensor(this, name, shape, b.address + 4 * offset, b.owner);
    }

    @Override
    protected void runWrite(CudaTensor t, float[] src) {
        CudaNative.write(ctx, t.address, src, src.length);
    }

    @Override
    protected void runRead(CudaTensor t, float[] dst) {
        CudaNative.read(ctx, t.address, dst, dst.length);
    }

    @Override
    protected void runZero(CudaTensor t) {
        CudaNative.zero(ctx, t.address, t.size());
    }

    @Override
    protected void runAccumulate(CudaTensor dst, CudaTensor src, long n) {
        CudaNative.accumulate(ctx, dst.address, src.address, n);
    }

    @Override
    protected void runScale(CudaTensor t, float s, long n) {
        CudaNative.scale(ctx, t.address, n, s);
    }

    @Override
    protected double runSumOfSquares(CudaTensor t, long n) {
        return CudaNative.sumOfSquares(ctx, t.address, n);
    }

    // ---------------------------------------------------------------- embedding

    @Override
    protected void runEmbeddingForward(CudaTensor out, int[] tokens, int[] positions, int n, CudaTensor wte,
            CudaTensor wpe, int c) {
        CudaNative.embeddingForward(ctx, out.address, tokens, positions, n, wte.address, wpe == null ? 0 : wpe.address,
                c);
    }

    @Override
    protected void runEmbeddingBackward(CudaTensor dwte, CudaTensor dwpe, CudaTensor dout, int[] tokens,
            int[] positions, int n, int c) {
        CudaNative.embeddingBackward(ctx, dwte.address, dwpe == null ? 0 : dwpe.address, dout.address, tokens,
                positions, n, c);
    }

    // ---------------------------------------------------------------- layer norm

    @Override
    protected void runLayerNormForward(CudaTensor out, CudaTensor mean, CudaTensor rstd, CudaTensor inp,
            CudaTensor weight, CudaTensor bias, int n, int c, float eps) {
        CudaNative.layerNormForward(ctx, out.address, mean.address, rstd.address, inp.address, weight.address,
                bias.address, n, c, eps);
    }

    @Override
    protected void runResidualLayerNormForward(CudaTensor residual, CudaTensor a, CudaTensor b, CudaTensor out,
            CudaTensor mean, CudaTensor rstd, CudaTensor weight, CudaTensor bias, int n, int c, float eps) {
        CudaNative.residualLayerNormForward(ctx, residual.address, a.address, b.address, out.address, mean.address,
                rstd.address, weight.address, bias.address, n, c, eps);
    }

    @Override
    protected void runLayerNormBackward(CudaTensor dinp, CudaTensor dweight, CudaTensor dbias, CudaTensor dout,
            CudaTensor inp, CudaTensor weight, CudaTensor mean, CudaTensor rstd, int n, int c) {
        CudaNative.layerNormBackward(ctx, dinp.address, dweight.address, dbias.address, dout.address, inp.address,
                weight.address, mean.address, rstd.address, n, c);
    }

    // ---------------------------------------------------------------- matmul

    @Override
    protected void runMatmulForward(CudaTensor out, CudaTensor inp, CudaTensor weight, CudaTensor bias, int n, int c,
            int oc, Layout layout) {
        CudaNative.matmulForward(ctx, out.address, inp.address, weight.address, bias == null ? 0 : bias.address, n, c,
                oc, layout == Layout.OUT_IN);
    }

    @Override
    protected void runMatmulBackward(CudaTensor dinp, CudaTensor dweight, CudaTensor dbias, CudaTensor dout,
            CudaTensor inp, CudaTensor weight, int n, int c, int oc, Layout layout) {
        CudaNative.matmulBackward(ctx, dinp == null ? 0 : dinp.address, dweight == null ? 0 : dweight.address,
                dbias == null ? 0 : dbias.address, dout.address, inp.address, weight.address, n, c, oc,
                layout == Layout.OUT_IN);
    }

    // ---------------------------------------------------------------- LoRA

    @Override
    protected void runLoraForward(CudaTensor out, int ldo, int col, CudaTensor h, CudaTensor inp, CudaTensor a,
            CudaTensor b, int n, int c, int r, int oc, float scale) {
        CudaNative.loraForward(ctx, out.address, ldo, col, h.address, inp.address, a.address, b.address, n, c, r, oc,
                scale);
    }

    @Override
    protected void runLoraBackward(CudaTensor dinp, CudaTensor da, CudaTensor db, CudaTensor dh, CudaTensor dout,
            int ldo, int col, CudaTensor inp, CudaTensor h, CudaTensor a, CudaTensor b, int n, int c, int r, int oc,
            float scale) {
        CudaNative.loraBackward(ctx, dinp == null ? 0 : dinp.address, da.address, db.address, dh.address,
                dout.address, ldo, col, inp.address, h.address, a.address, b.address, n, c, r, oc, scale);
    }

    @Override
    protected void runDropout(CudaTensor out, CudaTensor inp, long n, float p, long seed, boolean backward) {
        CudaNative.dropout(ctx, out.address, inp.address, n, p, seed, backward);
    }

    // ---------------------------------------------------------------- attention

    @Override
    protected void runAttentionForward(CudaTensor out, CudaTensor att, CudaTensor qkv, int b, int t, Heads heads) {
        CudaNative.attentionForward(ctx, out.address, att.address, qkv.address, b, t, heads.q(), heads.kv(),
                heads.size());
    }

    @Override
    protected void runAttentionBackward(CudaTensor dqkv, CudaTensor datt, CudaTensor dout, CudaTensor qkv,
            CudaTensor att, int b, int t, Heads heads) {
        CudaNative.attentionBackward(ctx, dqkv.address, datt.address, dout.address, qkv.address, att.address, b, t,
                heads.q(), heads.kv(), heads.size());
    }

    @Override
    protected void runAttentionStep(CudaTensor out, CudaTensor qkv, CudaTensor k, CudaTensor v, int[] slots,
            int[] positions, int n, Heads heads, int maxT) {
        CudaNative.attentionStep(ctx, out.address, qkv.address, k.address, v.address, slots, positions, n, heads.q(),
                heads.kv(), heads.size(), maxT);
    }

    @Override
    protected void runCacheStore(CudaTensor k, CudaTensor v, CudaTensor qkv, int slot, int t, Heads heads,
            int maxT) {
        CudaNative.cacheStore(ctx, k.address, v.address, qkv.address, slot, t, heads.q(), heads.kv(), heads.size(),
                maxT);
    }

    // ---------------------------------------------------------------- RMSNorm, rotary, SwiGLU (Llama family)

    @Override
    protected void runRmsNormForward(CudaTensor out, CudaTensor rstd, CudaTensor inp, CudaTensor weight, int n, int c,
            float eps) {
        CudaNative.rmsNormForward(ctx, out.address, rstd.address, inp.address, weight.address, n, c, eps);
    }

    @Override
    protected void runResidualRmsNormForward(CudaTensor residual, CudaTensor a, CudaTensor b, CudaTensor out,
            CudaTensor rstd, CudaTensor weight, int n, int c, float eps) {
        CudaNative.residualRmsNormForward(ctx, residual.address, a.address, b.address, out.address, rstd.address,
                weight.address, n, c, eps);
    }

    /** The weight gradient sums rows in a fixed order (two passes over chunks of rows, no atomics). */
    @Override
    protected void runRmsNormBackward(CudaTensor dinp, CudaTensor dweight, CudaTensor dout, CudaTensor inp,
            CudaTensor weight, CudaTensor rstd, int n, int c) {
        CudaNative.rmsNormBackward(ctx, dinp.address, dweight.address, dout.address, inp.address, weight.address,
                rstd.address, n, c);
    }

    @Override
    protected void runHeadRmsNormForward(CudaTensor out, CudaTensor rstd, CudaTensor qkv, CudaTensor qWeight,
            CudaTensor kWeight, int n, Heads heads, float eps) {
        CudaNative.headRmsNormForward(ctx, out.address, rstd.address, qkv.address, qWeight.address, kWeight.address, n,
                heads.q(), heads.kv(), heads.size(), eps);
    }

    @Override
    protected void runHeadRmsNormBackward(CudaTensor dqkv, CudaTensor dqWeight, CudaTensor dkWeight, CudaTensor dout,
            CudaTensor qkv, CudaTensor qWeight, CudaTensor kWeight, CudaTensor rstd, int n, Heads heads) {
        CudaNative.headRmsNormBackward(ctx, dqkv.address, dqWeight.address, dkWeight.address, dout.address,
                qkv.address, qWeight.address, kWeight.address, rstd.address, n, heads.q(), heads.kv(), heads.size());
    }

    @Override
    protected void runRopeForward(CudaTensor out, CudaTensor qkv, int[] positions, CudaTensor invFreq, int n,
            Heads heads) {
        CudaNative.ropeForward(ctx, out.address, qkv.address, positions, invFreq.address, n, heads.q(), heads.kv(),
                heads.size());
    }

    @Override
    protected void runRopeBackward(CudaTensor dqkv, CudaTensor dout, int[] positions, CudaTensor invFreq, int n,
            Heads heads) {
        CudaNative.ropeBackward(ctx, dqkv.address, dout.address, positions, invFreq.address, n, heads.q(), heads.kv(),
                heads.size());
    }

    @Override
    protected void runSwigluForward(CudaTensor out, CudaTensor gateUp, int n, int width) {
        CudaNative.swigluForward(ctx, out.address, gateUp.address, n, width);
    }

    @Override
    protected void runSwigluBackward(CudaTensor dgateUp, CudaTensor gateUp, CudaTensor dout, int n, int width) {
        CudaNative.swigluBackward(ctx, dgateUp.address, gateUp.address, dout.address, n, width);
    }

    // ---------------------------------------------------------------- pointwise

    @Override
    protected void runGeluForward(CudaTensor out, CudaTensor inp, long n) {
        CudaNative.geluForward(ctx, out.address, inp.address, n);
    }

    @Override
    protected void runGeluBackward(CudaTensor dinp, CudaTensor inp, CudaTensor dout, long n) {
        CudaNative.geluBackward(ctx, dinp.address, inp.address, dout.address, n);
    }

    @Override
    protected void runResidualForward(CudaTensor out, CudaTensor a, CudaTensor b, long n) {
        CudaNative.residualForward(ctx, out.address, a.address, b.address, n);
    }

    // ---------------------------------------------------------------- log-probs

    @Override
    protected void runTokenLogprobs(float[] logprobs, float[] entropy, CudaTensor logits, int[] targets, int n, int v,
            float temperature) {
        CudaNative.tokenLogprobs(ctx, logprobs, entropy, logits.address, targets, n, v, temperature);
    }

    @Override
    protected void runTokenLogprobsBackward(CudaTensor dlogits, CudaTensor logits, int[] targets, float[] g, int n,
            int v, float temperature) {
        CudaNative.tokenLogprobsBackward(ctx, dlogits.address, logits.address, targets, g, n, v, temperature);
    }

    // ---------------------------------------------------------------- sampling

    @Override
    protected void runSample(int[] tokens, float[] logprobs, float[] logprobsT1, CudaTensor logits, int n, int v,
            float temperature, int topK, float topP, float minP, long[] rng) {
        CudaNative.sample(ctx, tokens, logprobs, logprobsT1, logits.address, n, v, temperature,
                topK > 0 && topK < v ? topK : 0, topP, minP, rng);
    }

    // ---------------------------------------------------------------- optimizer

    @Override
    protected void runAdamw(CudaTensor params, CudaTensor grads, CudaTensor m, CudaTensor v, long n, float lr,
            float beta1, float beta2, float eps, float weightDecay, int step) {
        // the bias corrections 1 - beta^step in double, as the Java backend computes them
        CudaNative.adamw(ctx, params.address, grads.address, m.address, v.address, n, lr, beta1, beta2, eps,
                weightDecay, (float) (1.0 - Math.pow(beta1, step)), (float) (1.0 - Math.pow(beta2, step)));
    }

    // ---------------------------------------------------------------- recorded steps

    /**
     * System property: {@code false} turns off the recording of decoding steps into CUDA graphs
     * (on by default; measured in docs/benchmarks.md), so that every step runs op by op.
     */
    public static final String GRAPHS_PROPERTY = "cohort.cuda.graphs";

    /** Whether decoding steps are recorded and replayed (see {@link #GRAPHS_PROPERTY}). */
    public static boolean graphsEnabled() {
        return !"false".equalsIgnoreCase(System.getProperty(GRAPHS_PROPERTY, "true").trim());
    }

    @Override
    public StepGraph recordStep(int rows, Runnable step) {
        if (!graphsEnabled()) {
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
        lastRecordingError = null;
        return new CudaStepGraph(graph, rows);
    }

    /** Why the last {@link #recordStep} that tried returned null; null once a recording succeeds. */
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

    @Override
    protected CudaTensor tensor(Tensor t, long needed, String what) {
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
}
