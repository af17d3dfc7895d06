package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.Backend.Layout;
import dev.cohort.trainer.internal.backend.Heads;
import dev.cohort.trainer.internal.backend.Tensor;

/**
 * The policy: a decoder-only transformer whose blocks are GPT-2's (learned position embeddings,
 * pre-LayerNorm, multi-head attention, tanh-GELU MLP, LM head tied to the token embedding) or
 * the Llama family's (RMSNorm, rotary embeddings, grouped-query attention with optional q/k/v
 * biases and Qwen3's q/k norms, SwiGLU MLP, tied or separate LM head), as its
 * {@link ModelConfig} says. All numbers live in the {@link Backend}; this class only sequences
 * its operations.
 *
 * <p>Training interface: {@link #forward} a batch of B padded sequences of T tokens,
 * {@link #logprobs} of given next tokens (and entropies), then {@link #backward} from an
 * upstream gradient on those log-probs, which accumulates into {@link #grads()}.
 */
public final class PolicyModel implements AutoCloseable {

    private final Backend be;
    private final ModelConfig cfg;
    private final ParamLayout layout;
    private final ParamSet params;
    /** Allocated on first use: a model that only samples (or a reference model) holds no gradients. */
    private ParamSet grads;
    private final Heads heads;
    private final Layout weights;
    /** Rotary inverse frequencies (head size / 2); null for GPT-2. */
    private final Tensor invFreq;
    private final LmHead head;
    private boolean checkpointing;
    private Activations acts;
    /** All logits, only when {@link #logits()} is asked for them. */
    private Tensor fullLogits;
    private int[] tokens;
    private int[] positions;
    private int b;
    private int t;
    /** LoRA adapters over the frozen weights, or null (every weight trains). */
    private LoraAdapter adapter;
    private FrozenGrads frozen;
    private boolean adapterOn = true;
    private boolean training;

    public PolicyModel(Backend backend, ModelConfig cfg) {
        this(backend, cfg, LmHead.LOGITS_BUDGET);
    }

    /** With at most {@code logitsBudget} logits in memory at once (tests use small budgets). */
    PolicyModel(Backend backend, ModelConfig cfg, long logitsBudget) {
        this.be = backend;
        this.cfg = cfg;
        this.layout = new ParamLayout(cfg);
        this.params = new ParamSet(backend, cfg, layout, "params");
        this.heads = cfg.heads();
        this.head = new LmHead(backend, cfg, logitsBudget);
        this.weights = cfg.type().llamaBlock() ? Layout.OUT_IN : Layout.IN_OUT;
        float[] inv = cfg.inverseFrequencies();
        if (inv != null) {
            invFreq = backend.allocate("rope.inv_freq", inv.length);
            backend.write(invFreq, inv);
        } else {
            invFreq = null;
        }
    }

    public ModelConfig config() {
        return cfg;
    }

    public Backend backend() {
        return be;
    }

    public ParamSet params() {
        return params;
    }

    /** The base weights' gradients; a model with LoRA adapters has none (see {@link #attach}). */
    public ParamSet grads() {
        if (adapter != null) {
            throw new IllegalStateException("the weights are frozen under LoRA adapters: train adapter().grads()");
        }
        if (grads == null) {
            grads = new ParamSet(be, cfg, layout, "grads");
        }
        return grads;
    }

    public ParamLayout layout() {
        return layout;
    }

    /**
     * Attaches LoRA adapters: from now on every forward adds them (unless switched off), the
     * backward computes gradients for them only, and the weights are frozen (no gradients, no
     * optimizer state).
     */
    public void attach(LoraAdapter lora) {
        if (adapter != null) {
            throw new IllegalStateException("the model already has LoRA adapters");
        }
        if (grads != null) {
            be.release(grads.all());
            grads = null;
        }
        adapter = lora;
        frozen = new FrozenGrads(be, cfg);
    }

    /** The attached LoRA adapters, or null. */
    public LoraAdapter adapter() {
        return adapter;
    }

    /**
     * Switches the adapters off (the base model's outputs, as for the reference log-probs of a
     * LoRA run: PEFT's {@code disable_adapter()}) or back on.
     */
    public void adapterEnabled(boolean on) {
        adapterOn = on;
    }

    /**
     * Training mode (torch's {@code model.train()}): LoRA's dropout acts in the forwards that follow.
     * Off by default, and always off for sampling.
     */
    public void training(boolean on) {
        training = on;
    }

    /** The tensor the optimizer updates and its gradient: the adapters' under LoRA, else all weights. */
    public Tensor trainableParams() {
        return adapter != null ? adapter.params() : params.all();
    }

    /** Adds the adapters of product p of block l, when attached and on (sampling: no dropout, nothing kept). */
    void adapt(int l, LoraModules.Product p, Tensor out, Tensor inp, int rows, boolean train) {
        if (adapter != null && adapterOn) {
            adapter.forward(l, p, out, inp, rows, train);
        }
    }

    private void adaptBackward(int l, LoraModules.Product p, Tensor dinp, Tensor dout, Tensor inp, int n) {
        if (adapter != null) {
            adapter.backward(l, p, dinp, dout, inp, n);
        }
    }

    /** The rotary inverse frequencies on the backend; null for GPT-2. */
    Tensor invFreq() {
        return invFreq;
    }

    /** The weight layout of the block's products: Conv1D (in, out) for GPT-2, nn.Linear's (out, in) otherwise. */
    Layout weightLayout() {
        return weights;
    }

    /**
     * Gradient checkpointing (TRL's and transformers' {@code gradient_checkpointing}): the forward
     * keeps only each block's output, all blocks share one set of activation buffers, and the
     * backward recomputes each block's forward before its backward: activation memory of about
     * one block instead of all, for one more forward of the blocks per step.
     */
    public void gradientCheckpointing(boolean on) {
        if (on != checkpointing) {
            checkpointing = on;
            if (acts != null) {
                acts.close();
                acts = null;
            }
            b = 0;
        }
    }

    public boolean gradientCheckpointing() {
        return checkpointing;
    }

    /** Forward through the logits for B sequences of T tokens (row-major, padded). */
    public void forward(int[] batchTokens, int batch, int seqLen) {
        if (batch <= 0 || seqLen <= 0) {
            throw new IllegalArgumentException("batch " + batch + " x " + seqLen + " tokens is empty");
        }
        cfg.checkLength(seqLen);
        if (batchTokens.length < batch * seqLen) {
            throw new IllegalArgumentException("tokens has " + batchTokens.length + " ids, expected " + batch
                    + " x " + seqLen + " = " + batch * seqLen);
        }
        ensure(batch, seqLen);
        int n = batch * seqLen;
        for (int i = 0; i < n; i++) {
            int id = batchTokens[i];
            if (id < 0 || id >= cfg.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " at position " + i
                        + " is outside the vocabulary of " + cfg.vocabSize());
            }
            tokens[i] = id;
            positions[i] = i % seqLen;
        }
        b = batch;
        t = seqLen;
        if (dropoutActive()) {
            adapter.beginTrainingForward();
        }
        int c = cfg.nEmbd();
        be.embeddingForward(acts.encoded, tokens, positions, n, params.wte(), params.wpe(), c);
        for (int l = 0; l < cfg.nLayer(); l++) {
            forwardBlock(l, n);
        }
        Tensor last = cfg.nLayer() == 0 ? acts.encoded : acts.residual3[cfg.nLayer() - 1];
        norm(acts.lnf, acts.lnfMean, acts.lnfRstd, last, params.lnfw(), params.lnfb(), n);
        head.invalidate();
    }

    /** Block l from its input (the embedding or block l-1's output) to its output residual3[l]. */
    private void forwardBlock(int l, int n) {
        int c = cfg.nEmbd();
        ParamSet.Block p = params.block(l);
        Tensor residual = l == 0 ? acts.encoded : acts.residual3[l - 1];
        norm(acts.ln1[l], acts.ln1Mean[l], acts.ln1Rstd[l], residual, p.ln1w(), p.ln1b(), n);
        be.matmulForward(acts.qkv[l], acts.ln1[l], p.qkvw(), p.qkvb(), n, c, heads.qkvWidth(), weights);
        adapt(l, LoraModules.Product.QKV, acts.qkv[l], acts.ln1[l], n, dropoutActive());
        Tensor attIn = attentionInput(l, p, n);
        be.attentionForward(acts.atty[l], acts.att[l], attIn, b, t, heads);
        be.matmulForward(acts.proj, acts.atty[l], p.attprojw(), p.attprojb(), n, heads.width(), c, weights);
        adapt(l, LoraModules.Product.O, acts.proj, acts.atty[l], n, dropoutActive());
        be.residualForward(acts.residual2[l], residual, acts.proj, (long) n * c);
        norm(acts.ln2[l], acts.ln2Mean[l], acts.ln2Rstd[l], acts.residual2[l], p.ln2w(), p.ln2b(), n);
        be.matmulForward(acts.fch[l], acts.ln2[l], p.fcw(), p.fcb(), n, c, cfg.mlpInWidth(), weights);
        adapt(l, LoraModules.Product.MLP_IN, acts.fch[l], acts.ln2[l], n, dropoutActive());
        activation(acts.fchGelu[l], acts.fch[l], n);
        be.matmulForward(acts.proj, acts.fchGelu[l], p.fcprojw(), p.fcprojb(), n, cfg.mlpWidth(), c, weights);
        adapt(l, LoraModules.Product.MLP_OUT, acts.proj, acts.fchGelu[l], n, dropoutActive());
        be.residualForward(acts.residual3[l], acts.residual2[l], acts.proj, (long) n * c);
    }

    /**
     * Whether this forward is a training one for the adapters: their inputs are kept for the
     * backward and dropped out. Forwards with the adapters off (reference) or outside training
     * keep nothing for LoRA's backward; a backward needs a training forward before it.
     */
    private boolean dropoutActive() {
        return adapter != null && adapterOn && training;
    }

    /** LayerNorm (GPT-2) or RMSNorm of the rows of inp (N, C). */
    private void norm(Tensor out, Tensor mean, Tensor rstd, Tensor inp, Tensor w, Tensor bias, int n) {
        if (cfg.type().llamaBlock()) {
            be.rmsNormForward(out, rstd, inp, w, n, cfg.nEmbd(), cfg.normEps());
        } else {
            be.layerNormForward(out, mean, rstd, inp, w, bias, n, cfg.nEmbd(), cfg.normEps());
        }
    }

    private void normBackward(Tensor dinp, Tensor dw, Tensor db, Tensor dout, Tensor inp, Tensor w, Tensor mean,
            Tensor rstd, int n) {
        if (cfg.type().llamaBlock()) {
            be.rmsNormBackward(dinp, dw, dout, inp, w, rstd, n, cfg.nEmbd());
        } else {
            be.layerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd, n, cfg.nEmbd());
        }
    }

    /** GPT-2: qkv as it is. Llama family: q/k norms (Qwen3), then the rotary embedding, into qkvRot. */
    private Tensor attentionInput(int l, ParamSet.Block p, int n) {
        if (!cfg.type().llamaBlock()) {
            return acts.qkv[l];
        }
        Tensor in = acts.qkv[l];
        if (cfg.qkNorm()) {
            be.headRmsNormForward(acts.qkvRot[l], acts.qkRstd[l], in, p.qNorm(), p.kNorm(), n, heads, cfg.normEps());
            in = acts.qkvRot[l];
        }
        be.ropeForward(acts.qkvRot[l], in, positions, invFreq, n, heads);
        return acts.qkvRot[l];
    }

    /** GELU (GPT-2) or SwiGLU of the MLP's first product. */
    private void activation(Tensor out, Tensor in, int n) {
        if (cfg.type().llamaBlock()) {
            be.swigluForward(out, in, n, cfg.mlpWidth());
        } else {
            be.geluForward(out, in, (long) n * cfg.mlpWidth());
        }
    }

    private void ensure(int batch, int seqLen) {
        if (acts == null || !acts.fits(batch, seqLen)) {
            int capB = acts == null ? batch : Math.max(batch, acts.capB);
            int capT = acts == null ? seqLen : Math.max(seqLen, acts.capT);
            if (acts != null) {
                acts.close();
            }
            acts = new Activations(be, cfg, capB, capT, head.chunkRows((long) capB * capT), checkpointing);
            tokens = new int[capB * capT];
            positions = new int[capB * capT];
        }
    }

    /**
     * All logits of the last forward, (B*T, V), in a buffer of their own: for inspection and
     * tests (training never materialises them; see {@link LmHead}).
     */
    public Tensor logits() {
        requireForward();
        long size = (long) b * t * cfg.vocabSize();
        if (fullLogits == null || fullLogits.size() < size) {
            if (fullLogits != null) {
                be.release(fullLogits);
            }
            fullLogits = be.allocate("logits.full", size);
        }
        Tensor out = be.view(fullLogits, "logits", 0, b * t, cfg.vocabSize());
        head.logits(out, acts.lnf, params.lmHead(), 0, b * t);
        return out;
    }

    /** The logits of position {@code row} of the last forward into out (V). */
    void rowLogits(int row, Tensor out) {
        requireForward();
        head.logits(out, acts.lnf, params.lmHead(), row, 1);
    }

    /**
     * Log-prob of {@code targets[i]} (the token following position i; -1 = not scored) under
     * softmax(logits / temperature) for every position of the last forward, and optionally the
     * entropy of that distribution, computed over chunks of positions (see {@link LmHead}).
     */
    public void logprobs(int[] targets, float temperature, float[] out, float[] entropy) {
        requireForward();
        checkTargets(targets);
        head.logprobs(acts, params.lmHead(), b * t, targets, temperature, out, entropy);
    }

    /**
     * Backward from an upstream gradient {@code dlogprobs[i]} on each position's log-prob (as
     * computed by {@link #logprobs} with the same targets and temperature); accumulates into the
     * parameter gradients. Zero them with {@link #zeroGrads()} before a new step.
     */
    public void backward(int[] targets, float[] dlogprobs, float temperature) {
        requireForward();
        checkTargets(targets);
        int n = b * t;
        int c = cfg.nEmbd();
        if (adapter != null && !(adapterOn && training)) {
            throw new IllegalStateException("a LoRA backward needs a training forward with the adapters on");
        }
        acts.allocateGrads();
        head.backward(acts, params.lmHead(), adapter != null ? null : grads().lmHead(), n, targets, dlogprobs,
                temperature);
        Tensor last = cfg.nLayer() == 0 ? acts.encoded : acts.residual3[cfg.nLayer() - 1];
        be.zero(acts.dres);
        normBackward(acts.dres, adapter != null ? frozen.normWeight() : grads().lnfw(),
                adapter != null ? (params.lnfb() == null ? null : frozen.normBias()) : grads().lnfb(), acts.dln, last,
                params.lnfw(), acts.lnfMean, acts.lnfRstd, n);
        for (int l = cfg.nLayer() - 1; l >= 0; l--) {
            if (checkpointing && l < cfg.nLayer() - 1) {
                forwardBlock(l, n); // the shared buffers hold block l+1's activations: recompute block l's
            }
            backwardBlock(l, n, c);
        }
        if (adapter == null) {
            be.embeddingBackward(grads().wte(), grads().wpe(), acts.dres, tokens, positions, n, c);
        }
    }

    private void backwardBlock(int l, int n, int c) {
        ParamSet.Block p = params.block(l);
        ParamSet.Block g = adapter != null ? frozen.block() : grads().block(l);
        Tensor residualIn = l == 0 ? acts.encoded : acts.residual3[l - 1];
        // MLP: residual3 = residual2 + down(act(up(norm2(residual2))))
        be.zero(acts.dfchGelu);
        be.matmulBackward(acts.dfchGelu, g.fcprojw(), g.fcprojb(), acts.dres, acts.fchGelu[l], p.fcprojw(), n,
                cfg.mlpWidth(), c, weights);
        adaptBackward(l, LoraModules.Product.MLP_OUT, acts.dfchGelu, acts.dres, acts.fchGelu[l], n);
        be.zero(acts.dfch);
        if (cfg.type().llamaBlock()) {
            be.swigluBackward(acts.dfch, acts.fch[l], acts.dfchGelu, n, cfg.mlpWidth());
        } else {
            be.geluBackward(acts.dfch, acts.fch[l], acts.dfchGelu, (long) n * cfg.mlpWidth());
        }
        be.zero(acts.dln);
        be.matmulBackward(acts.dln, g.fcw(), g.fcb(), acts.dfch, acts.ln2[l], p.fcw(), n, c, cfg.mlpInWidth(),
                weights);
        adaptBackward(l, LoraModules.Product.MLP_IN, acts.dln, acts.dfch, acts.ln2[l], n);
        normBackward(acts.dres, g.ln2w(), g.ln2b(), acts.dln, acts.residual2[l], p.ln2w(), acts.ln2Mean[l],
                acts.ln2Rstd[l], n);
        // attention: residual2 = residual + proj(attention(input(qkv(norm1(residual)))))
        be.zero(acts.datty);
        be.matmulBackward(acts.datty, g.attprojw(), g.attprojb(), acts.dres, acts.atty[l], p.attprojw(), n,
                heads.width(), c, weights);
        adaptBackward(l, LoraModules.Product.O, acts.datty, acts.dres, acts.atty[l], n);
        be.zero(acts.dqkv);
        if (cfg.type().llamaBlock()) {
            be.zero(acts.dqkvRot);
            be.attentionBackward(acts.dqkvRot, acts.datt, acts.datty, acts.qkvRot[l], acts.att[l], b, t, heads);
            attentionInputBackward(l, p, g, n);
        } else {
            be.attentionBackward(acts.dqkv, acts.datt, acts.datty, acts.qkv[l], acts.att[l], b, t, heads);
        }
        be.zero(acts.dln);
        be.matmulBackward(acts.dln, g.qkvw(), g.qkvb(), acts.dqkv, acts.ln1[l], p.qkvw(), n, c, heads.qkvWidth(),
                weights);
        adaptBackward(l, LoraModules.Product.QKV, acts.dln, acts.dqkv, acts.ln1[l], n);
        normBackward(acts.dres, g.ln1w(), g.ln1b(), acts.dln, residualIn, p.ln1w(), acts.ln1Mean[l],
                acts.ln1Rstd[l], n);
    }

    /**
     * From d(attention input) in dqkvRot to d(qkv) in dqkv: the inverse rotation, then for Qwen3
     * the q/k norms' backward (into dqkvRot, free by then, and copied back).
     */
    private void attentionInputBackward(int l, ParamSet.Block p, ParamSet.Block g, int n) {
        if (!cfg.qkNorm()) {
            be.ropeBackward(acts.dqkv, acts.dqkvRot, positions, invFreq, n, heads);
            return;
        }
        be.ropeBackward(acts.dqkv, acts.dqkvRot, positions, invFreq, n, heads);
        be.zero(acts.dqkvRot);
        be.headRmsNormBackward(acts.dqkvRot, g.qNorm(), g.kNorm(), acts.dqkv, acts.qkv[l], p.qNorm(), p.kNorm(),
                acts.qkRstd[l], n, heads);
        be.zero(acts.dqkv);
        be.accumulate(acts.dqkv, acts.dqkvRot);
    }

    /** Gives back the parameters, gradients and activations to the backend. */
    @Override
    public void close() {
        if (acts != null) {
            acts.close();
            acts = null;
        }
        if (fullLogits != null) {
            be.release(fullLogits);
            fullLogits = null;
        }
        be.release(params.all());
        if (grads != null) {
            be.release(grads.all());
        }
        if (invFreq != null) {
            be.release(invFreq);
        }
        if (adapter != null) {
            adapter.close();
            frozen.close();
        }
    }

    /** Zeroes the trainable gradients: the adapters' under LoRA, else all weights'. */
    public void zeroGrads() {
        be.zero(adapter != null ? adapter.grads() : grads().all());
    }

    /** The gradient of {@link #trainableParams()}. */
    public Tensor trainableGrads() {
        return adapter != null ? adapter.grads() : grads().all();
    }

    /** The attention's input of block {@code l} from the last forward, (B*T, qkvWidth): keys and values for a cache. */
    Tensor qkvActivation(int l) {
        requireForward();
        return cfg.type().llamaBlock() ? acts.qkvRot[l] : acts.qkv[l];
    }

    /** Token positions (B x T) the current activations hold; 0 before the first forward. */
    public long activationTokens() {
        return acts == null ? 0 : (long) acts.capB * acts.capT;
    }

    /** Sequence length the current activations hold; 0 before the first forward. */
    public int activationSeqCapacity() {
        return acts == null ? 0 : acts.capT;
    }

    /** Number of positions of the last forward (B * T). */
    public int positions() {
        return b * t;
    }

    private void requireForward() {
        if (acts == null || b == 0) {
            throw new IllegalStateException("call forward first");
        }
    }

    private void checkTargets(int[] targets) {
        if (targets.length < b * t) {
            throw new IllegalArgumentException("targets has " + targets.length + " ids, expected B*T = " + b
                    + "*" + t + " = " + b * t);
        }
        for (int i = 0; i < b * t; i++) {
            if (targets[i] >= cfg.vocabSize() || targets[i] < -1) {
                throw new IllegalArgumentException("target id " + targets[i] + " at position " + i
                        + " is outside the vocabulary of " + cfg.vocabSize() + " (-1 = not scored)");
            }
        }
    }
}
