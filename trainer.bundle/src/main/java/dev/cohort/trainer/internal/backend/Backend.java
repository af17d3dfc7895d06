package dev.cohort.trainer.internal.backend;

/**
 * The numeric operations of the policy models (GPT-2 and the Llama family), on tensors the
 * backend owns. Every forward has its backward beside it. Conventions, as in llm.c:
 * <ul>
 * <li>Row-major storage; {@code N} rows of activations are {@code B * T} token positions.
 * <li>Backward operations ACCUMULATE into parameter gradients and into input gradients
 * ({@code +=}), so that a tensor used twice (the residual stream, the tied embedding) sums its
 * gradients; callers zero gradients before a step.
 * <li>Token ids and positions are host {@code int[]}: they are the only inputs that cross from
 * the host in the steady state.
 * <li>Shapes are checked against the tensors' sizes; an error names the tensor and both shapes.
 * </ul>
 * Implementations: {@link JavaBackend} (the reference, multithreaded) and {@link CudaBackend}; both
 * check their arguments in {@link CheckedBackend}.
 */
public interface Backend extends AutoCloseable {

    /** Weight layouts of {@link #matmulForward}: (in, out) as Hugging Face's Conv1D, or (out, in) as nn.Linear. */
    enum Layout { IN_OUT, OUT_IN }

    String name();

    /** A new zero-filled 1-D tensor of {@code elements} floats. */
    Tensor allocate(String name, long elements);

    /**
     * Gives back the storage of a tensor made by {@link #allocate}; it and its views must not be
     * used afterwards. (The Java backend leaves this to the garbage collector; a device backend
     * frees device memory.)
     */
    void release(Tensor t);

    /** A view of {@code base} from element {@code offset}, with the given shape. */
    Tensor view(Tensor base, String name, long offset, int... shape);

    void write(Tensor dst, float[] src);

    void read(Tensor src, float[] dst);

    void zero(Tensor t);

    /** {@code dst += src}, element-wise over {@code dst.size()} elements. */
    void accumulate(Tensor dst, Tensor src);

    /** {@code t *= s}. */
    void scale(Tensor t, float s);

    /** Sum of squares of all elements, in double. */
    double sumOfSquares(Tensor t);

    // ---------------------------------------------------------------- embedding

    /**
     * {@code out[n,:] = wte[tokens[n],:] + wpe[positions[n],:]} for {@code n < N}; out (N, C). wpe
     * is null for models without learned positions (rotary ones); positions are then not read.
     */
    void embeddingForward(Tensor out, int[] tokens, int[] positions, int n, Tensor wte, Tensor wpe, int c);

    /** {@code dwte[tokens[n],:] += dout[n,:]; dwpe[positions[n],:] += dout[n,:]} (dwpe may be null). */
    void embeddingBackward(Tensor dwte, Tensor dwpe, Tensor dout, int[] tokens, int[] positions, int n, int c);

    // ---------------------------------------------------------------- layer norm

    /** Per row of inp (N, C): normalise with biased variance and eps, scale and shift; saves mean and 1/std (N). */
    void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor inp, Tensor weight, Tensor bias,
            int n, int c, float eps);

    void layerNormBackward(Tensor dinp, Tensor dweight, Tensor dbias, Tensor dout, Tensor inp, Tensor weight,
            Tensor mean, Tensor rstd, int n, int c);

    /**
     * {@code residual = a + b} (N, C; residual may be a), then {@link #layerNormForward} of residual
     * into out: the same values as the two ops, in one pass where the backend can.
     */
    void residualLayerNormForward(Tensor residual, Tensor a, Tensor b, Tensor out, Tensor mean, Tensor rstd,
            Tensor weight, Tensor bias, int n, int c, float eps);

    // ---------------------------------------------------------------- matmul

    /**
     * {@code out (N, OC) = inp (N, C) · W + bias}, W stored (C, OC) for {@link Layout#IN_OUT} or
     * (OC, C) for {@link Layout#OUT_IN}; bias (OC) may be null. Overwrites out.
     */
    void matmulForward(Tensor out, Tensor inp, Tensor weight, Tensor bias, int n, int c, int oc, Layout layout);

    /**
     * Accumulates dinp (N, C), dweight (same layout as weight) and dbias (OC; may be null). dinp may
     * be null; dweight may be null for a frozen weight (LoRA), with dbias then null too.
     */
    void matmulBackward(Tensor dinp, Tensor dweight, Tensor dbias, Tensor dout, Tensor inp, Tensor weight,
            int n, int c, int oc, Layout layout);

    // ---------------------------------------------------------------- LoRA

    /**
     * LoRA's added product, PEFT's {@code lora_B(lora_A(x)) * scaling}, into columns
     * {@code [col, col + OC)} of out (N, LDO), the output of a frozen product (a fused one: q, k
     * and v side by side): {@code h (N, R) = scale * inp (N, C) · A^T} with A (R, C), then
     * {@code out[:, col:col+OC] += h · B^T} with B (OC, R). h is kept for the backward.
     */
    void loraForward(Tensor out, int ldo, int col, Tensor h, Tensor inp, Tensor a, Tensor b, int n, int c, int r,
            int oc, float scale);

    /**
     * The backward of {@link #loraForward} from columns {@code [col, col + OC)} of dout (N, LDO):
     * accumulates {@code dB (OC, R) += dout^T · h}, {@code dA (R, C) += dh^T · inp} and
     * {@code dinp (N, C) += dh · A} (dinp may be null), where {@code dh = scale * dout · B} is
     * written to the scratch dh (N, R).
     */
    void loraBackward(Tensor dinp, Tensor da, Tensor db, Tensor dh, Tensor dout, int ldo, int col, Tensor inp,
            Tensor h, Tensor a, Tensor b, int n, int c, int r, int oc, float scale);

    /**
     * Inverted dropout over n elements: {@code out = keep ? inp / (1 - p) : 0}, where element i is
     * kept when a SplitMix64 hash of (seed, i) is at least p: a function of the seed, so that the
     * backward (and a recomputed forward) sees the same mask without storing it.
     */
    void dropoutForward(Tensor out, Tensor inp, long n, float p, long seed);

    /** Accumulates {@code dinp += keep ? dout / (1 - p) : 0} with the mask of {@link #dropoutForward}. */
    void dropoutBackward(Tensor dinp, Tensor dout, long n, float p, long seed);

    // ---------------------------------------------------------------- RMSNorm, rotary, SwiGLU (Llama family)

    /** Per row of inp (N, C): {@code out = x / sqrt(mean(x^2) + eps) * weight}; saves 1/rms (N). */
    void rmsNormForward(Tensor out, Tensor rstd, Tensor inp, Tensor weight, int n, int c, float eps);

    /** Accumulates dinp (N, C) and dweight (C). */
    void rmsNormBackward(Tensor dinp, Tensor dweight, Tensor dout, Tensor inp, Tensor weight, Tensor rstd, int n,
            int c);

    /** {@code residual = a + b} (N, C; residual may be a), then {@link #rmsNormForward} of residual into out. */
    void residualRmsNormForward(Tensor residual, Tensor a, Tensor b, Tensor out, Tensor rstd, Tensor weight, int n,
            int c, float eps);

    /**
     * Qwen3's q_norm and k_norm: RMSNorm of every query head (with qWeight) and key head (with
     * kWeight) of each row of qkv (N, heads.qkvWidth()), the value heads copied; out may be qkv;
     * saves 1/rms per head (N * (NH + NKV)).
     */
    void headRmsNormForward(Tensor out, Tensor rstd, Tensor qkv, Tensor qWeight, Tensor kWeight, int n, Heads heads,
            float eps);

    /** Accumulates dqkv, dqWeight and dkWeight (head size each). */
    void headRmsNormBackward(Tensor dqkv, Tensor dqWeight, Tensor dkWeight, Tensor dout, Tensor qkv, Tensor qWeight,
            Tensor kWeight, Tensor rstd, int n, Heads heads);

    /**
     * Rotary embedding (transformers' rotate_half convention) of the query and key heads of each
     * row of qkv (N, heads.qkvWidth()) at {@code positions[r]}, with angles
     * {@code position * invFreq[i]} for i below head size / 2; value heads copied; out may be qkv.
     */
    void ropeForward(Tensor out, Tensor qkv, int[] positions, Tensor invFreq, int n, Heads heads);

    /** Accumulates dqkv from dout: the inverse rotation (value heads pass through). */
    void ropeBackward(Tensor dqkv, Tensor dout, int[] positions, Tensor invFreq, int n, Heads heads);

    /** {@code out (N, I) = silu(gateUp[:, :I]) * gateUp[:, I:]}. */
    void swigluForward(Tensor out, Tensor gateUp, int n, int width);

    /** Accumulates dgateUp (N, 2I) from dout (N, I). */
    void swigluBackward(Tensor dgateUp, Tensor gateUp, Tensor dout, int n, int width);

    // ---------------------------------------------------------------- attention

    /**
     * Causal self-attention, multi-head or grouped-query. qkv (B, T, heads.qkvWidth()) holds the
     * query, key and value heads side by side; out (B, T, heads.width()); att
     * ({@link #attentionStateSize} elements) keeps what the backward needs: by default the softmax
     * probabilities (B, NH, T, T), entries above the diagonal zero. Scale 1/sqrt(head size).
     */
    void attentionForward(Tensor out, Tensor att, Tensor qkv, int b, int t, Heads heads);

    /**
     * Accumulates dqkv (B, T, qkvWidth) from dout (B, T, width); datt ({@link #attentionScratchSize}
     * elements) is scratch.
     */
    void attentionBackward(Tensor dqkv, Tensor datt, Tensor dout, Tensor qkv, Tensor att, int b, int t, Heads heads);

    /** Elements of the att tensor of {@link #attentionForward}: (B, NH, T, T) probabilities here. */
    default long attentionStateSize(int b, int t, Heads heads) {
        return (long) b * heads.q() * t * t;
    }

    /** Elements of the datt scratch of {@link #attentionBackward}: (B, NH, T, T) here. */
    default long attentionScratchSize(int b, int t, Heads heads) {
        return (long) b * heads.q() * t * t;
    }

    /**
     * One decoding step for {@code n} sequences: row i of qkv (n, qkvWidth) is the new token of the
     * sequence in cache slot {@code slots[i]} at position {@code positions[i]}; its k and v are
     * stored in the caches (slots, NKV, maxT, head size) at that position, then its q attends over
     * positions 0..positions[i]. out (n, width).
     */
    void attentionStep(Tensor out, Tensor qkv, Tensor kCache, Tensor vCache, int[] slots, int[] positions,
            int n, Heads heads, int maxT);

    /** Stores k and v of a prefilled sequence (T, qkvWidth) into cache slot {@code slot}, positions 0..T-1. */
    void cacheStore(Tensor kCache, Tensor vCache, Tensor qkv, int slot, int t, Heads heads, int maxT);

    // ---------------------------------------------------------------- pointwise

    /** GELU, tanh approximation (GPT-2's "gelu_new"), over {@code n} elements. */
    void geluForward(Tensor out, Tensor inp, long n);

    /** Accumulates dinp. */
    void geluBackward(Tensor dinp, Tensor inp, Tensor dout, long n);

    /** {@code out = a + b} over {@code n} elements. */
    void residualForward(Tensor out, Tensor a, Tensor b, long n);

    // ---------------------------------------------------------------- log-probs

    /**
     * For each row n of logits (N, V): {@code logprobs[n] = log_softmax(logits[n,:] / temperature)[targets[n]]}
     * and, when entropy is not null, the entropy of that distribution. Rows with target < 0 give 0.
     */
    void tokenLogprobs(float[] logprobs, float[] entropy, Tensor logits, int[] targets, int n, int v,
            float temperature);

    /**
     * Overwrites dlogits (N, V) with the gradient of {@code sum_n g[n] * logprobs[n]}: for row n,
     * {@code g[n] * (onehot(target) - softmax(logits/temperature)) / temperature}; zero rows where target < 0.
     */
    void tokenLogprobsBackward(Tensor dlogits, Tensor logits, int[] targets, float[] g, int n, int v,
            float temperature);

    // ---------------------------------------------------------------- sampling

    /**
     * Samples one token per row of logits (n, V) with temperature, top-k (0 = off), top-p (1 = off)
     * and min-p (0 = off); temperature 0 means greedy. {@code rng[i]} is row i's random state,
     * advanced in place, so that a seed reproduces a sequence whatever else is in the batch. Writes
     * the token, its log-prob under the temperature-scaled distribution before filtering, and its
     * log-prob at temperature 1.
     */
    void sample(int[] tokens, float[] logprobs, float[] logprobsT1, Tensor logits, int n, int v,
            float temperature, int topK, float topP, float minP, long[] rng);

    // ---------------------------------------------------------------- optimizer

    /**
     * One AdamW update of params from grads with bias correction for step {@code step} (from 1):
     * {@code m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (mhat / (sqrt(vhat) + eps) + wd p)}.
     */
    void adamw(Tensor params, Tensor grads, Tensor m, Tensor v, long n, float lr, float beta1, float beta2,
            float eps, float weightDecay, int step);

    // ---------------------------------------------------------------- recorded steps

    /**
     * Records the ops that {@code step} calls, without running them, so that they can be replayed
     * as one unit: a decoding step's ~170 launches for {@code rows} sequences, whose only host
     * inputs are token ids, positions and cache slots (one per row). Returns null when this
     * backend records nothing (the default) or the recording failed; nothing has run then, and
     * the caller runs the step itself.
     */
    default StepGraph recordStep(int rows, Runnable step) {
        return null;
    }

    @Override
    void close();
}
