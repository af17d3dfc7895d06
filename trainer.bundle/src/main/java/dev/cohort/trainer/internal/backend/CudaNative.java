package dev.cohort.trainer.internal.backend;

/**
 * The JNI entry points of {@code libcohortcuda}, the native library that the CUDA fragment
 * ({@code dev.cohort.trainer.cuda.linux.x86_64}) adds to this bundle. Every pointer is a device
 * address in bytes; every call runs on the context's one CUDA stream, in order. Errors come back
 * as {@link IllegalStateException}s naming the operation and the CUDA or cuBLAS error.
 * Only {@link CudaLibrary} loads the library and only {@link CudaBackend} calls the ops.
 */
final class CudaNative {

    private CudaNative() {
    }

    /** Version of this JNI surface; the library must report the same. */
    static final int ABI = 7;

    static native int abi();

    /** Number of CUDA devices; throws with the driver's message when there is no usable driver. */
    static native int deviceCount();

    /** "name|major.minor|total bytes|multiprocessors" of a device. */
    static native String deviceInfo(int device);

    /**
     * A context on {@code device}: stream, scratch, and the matrix engine: {@code gemm} 0 = own
     * kernels, 1 = cuBLAS loaded from {@code cublasPath} (or the usual names when empty), 2 =
     * cuBLAS when it loads, else own kernels; {@code precision} 0 = fp32, 1 = TF32 tensor cores,
     * 2 = bf16 operands (rounded from fp32 per product) in the linear layers and TF32 in
     * attention; storage and accumulation stay fp32. {@code features}: bit 0 ({@link #FUSED_ATTENTION})
     * training attention in tiles on the tensor cores (TF32), without the (B, NH, T, T) matrices, where
     * the precision is not fp32, cuBLAS is used and the head size is 64 or 128; bit 1 ({@link #FEW_ROWS_GEMM})
     * products of at most 128 rows on the library's own TF32 kernel instead of cuBLAS, where the
     * precision is not fp32; bit 2 ({@link #BF16_KV_CACHE}) the KV cache of cacheStore and
     * attentionStep holds bf16 (see CudaBackend's properties).
     */
    static native long create(int device, int gemm, int precision, String cublasPath, int features);

    /** Bit of create's features: the fused training attention. */
    static final int FUSED_ATTENTION = 1;

    /** Bit of create's features: the own TF32 kernel for products of at most 128 rows. */
    static final int FEW_ROWS_GEMM = 2;

    /** Bit of create's features: the decoding KV cache holds bf16. */
    static final int BF16_KV_CACHE = 4;

    /** Whether attentionForward/Backward run fused for this head size (see create). */
    static native boolean fusedAttention(long ctx, int headSize);

    /** What performs the matrix products of the context, for the log. */
    static native String gemmInfo(long ctx);

    /**
     * With the environment variable COHORT_CUDA_PROFILE=1 at create: a table of the ops since the
     * last call (calls, GPU time from events around each op, host time per call); else "".
     */
    static native String profile(long ctx);

    /**
     * Starts recording the ops of a step for {@code rows} rows into a CUDA graph (stream
     * capture); false when this context cannot record (cuBLAS without a settable workspace).
     */
    static native boolean graphBegin(long ctx, int rows);

    /** Ends the recording: the graph's handle; throws with the reason when the capture failed. */
    static native long graphEnd(long ctx);

    /** Replays a recorded step with new inputs; false when it is stale (scratch memory moved). */
    static native boolean graphLaunch(long ctx, long graph, int[] tokens, int[] positions, int[] slots, int n);

    static native void graphFree(long ctx, long graph);

    static native void destroy(long ctx);

    static native long malloc(long ctx, long bytes);

    static native void free(long ctx, long ptr);

    static native void synchronize(long ctx);

    static native void write(long ctx, long dst, float[] src, int n);

    static native void read(long ctx, long src, float[] dst, int n);

    static native void zero(long ctx, long ptr, long n);

    static native void accumulate(long ctx, long dst, long src, long n);

    static native void scale(long ctx, long ptr, long n, float s);

    static native double sumOfSquares(long ctx, long ptr, long n);

    /** wpe 0: no learned positions (positions are then not read and may be null). */
    static native void embeddingForward(long ctx, long out, int[] tokens, int[] positions, int n, long wte,
            long wpe, int c);

    /** dwpe 0: no learned positions. */
    static native void embeddingBackward(long ctx, long dwte, long dwpe, long dout, int[] tokens, int[] positions,
            int n, int c);

    static native void layerNormForward(long ctx, long out, long mean, long rstd, long inp, long weight,
            long bias, int n, int c, float eps);

    static native void residualLayerNormForward(long ctx, long residual, long a, long b, long out, long mean,
            long rstd, long weight, long bias, int n, int c, float eps);

    static native void layerNormBackward(long ctx, long dinp, long dweight, long dbias, long dout, long inp,
            long weight, long mean, long rstd, int n, int c);

    /** bias and (in the backward) dinp and dbias may be 0; outIn: weight stored (OC, C). */
    static native void matmulForward(long ctx, long out, long inp, long weight, long bias, int n, int c, int oc,
            boolean outIn);

    static native void matmulBackward(long ctx, long dinp, long dweight, long dbias, long dout, long inp,
            long weight, int n, int c, int oc, boolean outIn);

    // Attention: qkv rows hold nh query heads, then nkv key heads, then nkv value heads, of hs each.

    static native void attentionForward(long ctx, long out, long att, long qkv, int b, int t, int nh, int nkv, int hs);

    static native void attentionBackward(long ctx, long dqkv, long datt, long dout, long qkv, long att, int b,
            int t, int nh, int nkv, int hs);

    /** The caches are (slots, nkv, maxT, hs). */
    static native void attentionStep(long ctx, long out, long qkv, long kCache, long vCache, int[] slots,
            int[] positions, int n, int nh, int nkv, int hs, int maxT);

    static native void cacheStore(long ctx, long kCache, long vCache, long qkv, int slot, int t, int nh, int nkv,
            int hs, int maxT);

    /** LoRA's added product into columns [col, col + oc) of out (N, LDO); keeps scaled h (N, R). */
    static native void loraForward(long ctx, long out, int ldo, int col, long h, long inp, long a, long b, int n,
            int c, int r, int oc, float scale);

    /** LoRA's backward: dB, dA and dinp (0 for none) accumulated, dh (N, R) written. */
    static native void loraBackward(long ctx, long dinp, long da, long db, long dh, long dout, int ldo, int col,
            long inp, long h, long a, long b, int n, int c, int r, int oc, float scale);

    /** Inverted dropout with the Java backend's mask: out = (forward) or += (backward) kept ? inp / (1 - p) : 0. */
    static native void dropout(long ctx, long out, long inp, long n, float p, long seed, boolean backward);

    static native void rmsNormForward(long ctx, long out, long rstd, long inp, long weight, int n, int c, float eps);

    static native void residualRmsNormForward(long ctx, long residual, long a, long b, long out, long rstd,
            long weight, int n, int c, float eps);

    static native void rmsNormBackward(long ctx, long dinp, long dweight, long dout, long inp, long weight,
            long rstd, int n, int c);

    static native void headRmsNormForward(long ctx, long out, long rstd, long qkv, long qWeight, long kWeight, int n,
            int nh, int nkv, int hs, float eps);

    static native void headRmsNormBackward(long ctx, long dqkv, long dqWeight, long dkWeight, long dout, long qkv,
            long qWeight, long kWeight, long rstd, int n, int nh, int nkv, int hs);

    static native void ropeForward(long ctx, long out, long qkv, int[] positions, long invFreq, int n, int nh,
            int nkv, int hs);

    static native void ropeBackward(long ctx, long dqkv, long dout, int[] positions, long invFreq, int n, int nh,
            int nkv, int hs);

    static native void swigluForward(long ctx, long out, long gateUp, int n, int width);

    static native void swigluBackward(long ctx, long dgateUp, long gateUp, long dout, int n, int width);

    static native void geluForward(long ctx, long out, long inp, long n);

    static native void geluBackward(long ctx, long dinp, long inp, long dout, long n);

    static native void residualForward(long ctx, long out, long a, long b, long n);

    /** entropy may be null. */
    static native void tokenLogprobs(long ctx, float[] logprobs, float[] entropy, long logits, int[] targets,
            int n, int v, float temperature);

    static native void tokenLogprobsBackward(long ctx, long dlogits, long logits, int[] targets, float[] g, int n,
            int v, float temperature);

    static native void sample(long ctx, int[] tokens, float[] logprobs, float[] logprobsT1, long logits, int n,
            int v, float temperature, int topK, float topP, float minP, long[] rng);

    static native void adamw(long ctx, long params, long grads, long m, long v, long n, float lr, float beta1,
            float beta2, float eps, float weightDecay, float correction1, float correction2);
}
