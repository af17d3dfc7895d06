package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.Backend.Layout;
import dev.cohort.trainer.internal.backend.Tensor;

/**
 * The GPT-2 policy: learned position embeddings, pre-LayerNorm blocks with causal multi-head
 * attention and a tanh-GELU MLP, final LayerNorm, LM head tied to the token embedding. All
 * numbers live in the {@link Backend}; this class only sequences its operations.
 *
 * <p>Training interface: {@link #forward} a batch of B padded sequences of T tokens,
 * {@link #logprobs} of given next tokens (and entropies), then {@link #backward} from an
 * upstream gradient on those log-probs, which accumulates into {@link #grads()}.
 */
public final class Gpt2Model implements AutoCloseable {

    private final Backend be;
    private final Gpt2Config cfg;
    private final ParamLayout layout;
    private final ParamSet params;
    private final ParamSet grads;
    private Activations acts;
    private int[] tokens;
    private int[] positions;
    private int b;
    private int t;

    public Gpt2Model(Backend backend, Gpt2Config cfg) {
        this.be = backend;
        this.cfg = cfg;
        this.layout = new ParamLayout(cfg);
        this.params = new ParamSet(backend, cfg, layout, "params");
        this.grads = new ParamSet(backend, cfg, layout, "grads");
    }

    public Gpt2Config config() {
        return cfg;
    }

    public Backend backend() {
        return be;
    }

    public ParamSet params() {
        return params;
    }

    public ParamSet grads() {
        return grads;
    }

    public ParamLayout layout() {
        return layout;
    }

    /** Forward through the logits for B sequences of T tokens (row-major, padded). */
    public void forward(int[] batchTokens, int batch, int seqLen) {
        if (batch <= 0 || seqLen <= 0) {
            throw new IllegalArgumentException("batch " + batch + " x " + seqLen + " tokens is empty");
        }
        if (seqLen > cfg.nPositions()) {
            throw new IllegalArgumentException("sequence of " + seqLen + " tokens is longer than n_positions "
                    + cfg.nPositions());
        }
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
        int c = cfg.nEmbd();
        be.embeddingForward(acts.encoded, tokens, positions, n, params.wte(), params.wpe(), c);
        Tensor residual = acts.encoded;
        for (int l = 0; l < cfg.nLayer(); l++) {
            ParamSet.Block p = params.block(l);
            be.layerNormForward(acts.ln1[l], acts.ln1Mean[l], acts.ln1Rstd[l], residual, p.ln1w(), p.ln1b(), n, c,
                    cfg.layerNormEpsilon());
            be.matmulForward(acts.qkv[l], acts.ln1[l], p.qkvw(), p.qkvb(), n, c, 3 * c, Layout.IN_OUT);
            be.attentionForward(acts.atty[l], acts.att[l], acts.qkv[l], batch, seqLen, c, cfg.nHead());
            be.matmulForward(acts.proj, acts.atty[l], p.attprojw(), p.attprojb(), n, c, c, Layout.IN_OUT);
            be.residualForward(acts.residual2[l], residual, acts.proj, (long) n * c);
            be.layerNormForward(acts.ln2[l], acts.ln2Mean[l], acts.ln2Rstd[l], acts.residual2[l], p.ln2w(), p.ln2b(),
                    n, c, cfg.layerNormEpsilon());
            be.matmulForward(acts.fch[l], acts.ln2[l], p.fcw(), p.fcb(), n, c, 4 * c, Layout.IN_OUT);
            be.geluForward(acts.fchGelu[l], acts.fch[l], 4L * n * c);
            be.matmulForward(acts.proj, acts.fchGelu[l], p.fcprojw(), p.fcprojb(), n, 4 * c, c, Layout.IN_OUT);
            be.residualForward(acts.residual3[l], acts.residual2[l], acts.proj, (long) n * c);
            residual = acts.residual3[l];
        }
        be.layerNormForward(acts.lnf, acts.lnfMean, acts.lnfRstd, residual, params.lnfw(), params.lnfb(), n, c,
                cfg.layerNormEpsilon());
        be.matmulForward(acts.logits, acts.lnf, params.wte(), null, n, c, cfg.vocabSize(), Layout.OUT_IN);
    }

    private void ensure(int batch, int seqLen) {
        if (acts == null || !acts.fits(batch, seqLen)) {
            int capB = acts == null ? batch : Math.max(batch, acts.capB);
            int capT = acts == null ? seqLen : Math.max(seqLen, acts.capT);
            if (acts != null) {
                acts.close();
            }
            acts = new Activations(be, cfg, capB, capT);
            tokens = new int[capB * capT];
            positions = new int[capB * capT];
        }
    }

    /** The logits of the last forward, (B*T, V). */
    public Tensor logits() {
        requireForward();
        return be.view(acts.logits, "logits", 0, b * t, cfg.vocabSize());
    }

    /**
     * Log-prob of {@code targets[i]} (the token following position i; -1 = not scored) under
     * softmax(logits / temperature) for every position of the last forward, and optionally the
     * entropy of that distribution.
     */
    public void logprobs(int[] targets, float temperature, float[] out, float[] entropy) {
        requireForward();
        checkTargets(targets);
        be.tokenLogprobs(out, entropy, acts.logits, targets, b * t, cfg.vocabSize(), temperature);
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
        be.tokenLogprobsBackward(acts.dlogits, acts.logits, targets, dlogprobs, n, cfg.vocabSize(), temperature);
        be.zero(acts.dln);
        be.matmulBackward(acts.dln, grads.wte(), null, acts.dlogits, acts.lnf, params.wte(), n, c, cfg.vocabSize(),
                Layout.OUT_IN);
        Tensor last = cfg.nLayer() == 0 ? acts.encoded : acts.residual3[cfg.nLayer() - 1];
        be.zero(acts.dres);
        be.layerNormBackward(acts.dres, grads.lnfw(), grads.lnfb(), acts.dln, last, params.lnfw(), acts.lnfMean,
                acts.lnfRstd, n, c);
        for (int l = cfg.nLayer() - 1; l >= 0; l--) {
            backwardBlock(l, n, c);
        }
        be.embeddingBackward(grads.wte(), grads.wpe(), acts.dres, tokens, positions, n, c);
    }

    private void backwardBlock(int l, int n, int c) {
        ParamSet.Block p = params.block(l);
        ParamSet.Block g = grads.block(l);
        Tensor residualIn = l == 0 ? acts.encoded : acts.residual3[l - 1];
        // MLP: residual3 = residual2 + fcproj(gelu(fc(ln2(residual2))))
        be.zero(acts.dfchGelu);
        be.matmulBackward(acts.dfchGelu, g.fcprojw(), g.fcprojb(), acts.dres, acts.fchGelu[l], p.fcprojw(), n, 4 * c,
                c, Layout.IN_OUT);
        be.zero(acts.dfch);
        be.geluBackward(acts.dfch, acts.fch[l], acts.dfchGelu, 4L * n * c);
        be.zero(acts.dln);
        be.matmulBackward(acts.dln, g.fcw(), g.fcb(), acts.dfch, acts.ln2[l], p.fcw(), n, c, 4 * c, Layout.IN_OUT);
        be.layerNormBackward(acts.dres, g.ln2w(), g.ln2b(), acts.dln, acts.residual2[l], p.ln2w(), acts.ln2Mean[l],
                acts.ln2Rstd[l], n, c);
        // attention: residual2 = residual + attproj(attention(qkv(ln1(residual))))
        be.zero(acts.datty);
        be.matmulBackward(acts.datty, g.attprojw(), g.attprojb(), acts.dres, acts.atty[l], p.attprojw(), n, c, c,
                Layout.IN_OUT);
        be.zero(acts.dqkv);
        be.attentionBackward(acts.dqkv, acts.datt, acts.datty, acts.qkv[l], acts.att[l], b, t, c, cfg.nHead());
        be.zero(acts.dln);
        be.matmulBackward(acts.dln, g.qkvw(), g.qkvb(), acts.dqkv, acts.ln1[l], p.qkvw(), n, c, 3 * c, Layout.IN_OUT);
        be.layerNormBackward(acts.dres, g.ln1w(), g.ln1b(), acts.dln, residualIn, p.ln1w(), acts.ln1Mean[l],
                acts.ln1Rstd[l], n, c);
    }

    /** Gives back the parameters, gradients and activations to the backend. */
    @Override
    public void close() {
        if (acts != null) {
            acts.close();
            acts = null;
        }
        be.release(params.all());
        be.release(grads.all());
    }

    public void zeroGrads() {
        be.zero(grads.all());
    }

    /** The q, k, v activations of block {@code l} from the last forward, (B*T, 3C). */
    Tensor qkvActivation(int l) {
        requireForward();
        return acts.qkv[l];
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
