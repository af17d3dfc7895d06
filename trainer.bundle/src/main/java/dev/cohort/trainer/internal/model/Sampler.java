package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.Backend.Layout;
import dev.cohort.trainer.internal.backend.Heads;
import dev.cohort.trainer.internal.backend.StepGraph;
import dev.cohort.trainer.internal.backend.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Batched incremental decoding with a KV cache. Each prompt is prefilled once (consecutive
 * identical prompts, as in a GRPO group, share the prefill; prompts of equal length are prefilled
 * together) and its keys and values copied into one cache slot per sequence; then all unfinished sequences advance one token per step, each
 * at its own position, until EOS or max_new_tokens. Every sequence draws from its own random
 * stream derived from the seed and its index, so a seed reproduces the samples.
 */
public final class Sampler implements AutoCloseable {

    /** Tokens one prefill forward may hold beyond the model's current activations. */
    static final int PREFILL_TOKENS = 2048;

    /** Recorded decoding steps kept (one per number of active rows). */
    static final int MAX_GRAPHS = 64;

    /** Failed or refused recordings after which decoding steps are no longer recorded. */
    static final int MAX_RECORDING_FAILURES = 3;

    /**
     * Recorded steps run on a multiple of this many rows (at most all sequences): as sequences
     * end, the rows of finished ones pad the step, so that a few recordings serve every count of
     * active sequences instead of one recording per count.
     */
    static final int ROW_BUCKET = 8;

    private final PolicyModel model;
    private final Backend be;
    private final ModelConfig cfg;
    private Tensor[] kCache;
    private Tensor[] vCache;
    private int slots;
    private int maxT;
    private StepBuffers step;
    /** Decoding steps recorded by the backend, by number of rows (see Backend#recordStep). */
    private final java.util.Map<Integer, StepGraph> graphs = new java.util.HashMap<>();
    private int recordingFailures;
    private long replayedSteps;

    public Sampler(PolicyModel model) {
        this.model = model;
        this.be = model.backend();
        this.cfg = model.config();
    }

    /** Activations of one decoding step for up to {@code cap} sequences. */
    private static final class StepBuffers {
        final int cap;
        final Tensor x;
        final Tensor ln;
        final Tensor mean;
        final Tensor rstd;
        final Tensor qkv;
        final Tensor qkRstd;
        final Tensor atty;
        final Tensor proj;
        final Tensor fch;
        final Tensor fchGelu;
        final Tensor logits;

        StepBuffers(Backend be, ModelConfig cfg, int cap) {
            this.cap = cap;
            int c = cfg.nEmbd();
            Heads h = cfg.heads();
            x = be.allocate("step.x", (long) cap * c);
            ln = be.allocate("step.ln", (long) cap * c);
            mean = be.allocate("step.mean", cap);
            rstd = be.allocate("step.rstd", cap);
            qkv = be.allocate("step.qkv", (long) cap * h.qkvWidth());
            qkRstd = be.allocate("step.qk_rstd", (long) cap * (h.q() + h.kv()));
            atty = be.allocate("step.atty", (long) cap * h.width());
            proj = be.allocate("step.proj", (long) cap * c);
            fch = be.allocate("step.fch", (long) cap * cfg.mlpInWidth());
            fchGelu = be.allocate("step.fch_act", (long) cap * cfg.mlpWidth());
            logits = be.allocate("step.logits", (long) cap * cfg.vocabSize());
        }

        void release(Backend be) {
            for (Tensor t : new Tensor[] {x, ln, mean, rstd, qkv, qkRstd, atty, proj, fch, fchGelu, logits}) {
                be.release(t);
            }
        }
    }

    private void closeGraphs() {
        for (StepGraph g : graphs.values()) {
            g.close();
        }
        graphs.clear();
    }

    private void releaseCache() {
        closeGraphs();
        if (kCache != null) {
            for (int l = 0; l < kCache.length; l++) {
                be.release(kCache[l]);
                be.release(vCache[l]);
            }
            kCache = null;
            vCache = null;
        }
    }

    /** Decoding steps that ran as a replay of a recorded step (see Backend#recordStep). */
    public long replayedSteps() {
        return replayedSteps;
    }

    /** Gives back the KV cache and the step buffers. */
    @Override
    public void close() {
        releaseCache();
        if (step != null) {
            step.release(be);
            step = null;
        }
    }

    /** Samples one completion per prompt, ending at {@code eos}. */
    public List<Completion> generate(List<int[]> prompts, SamplingParams p, int eos) {
        return generate(prompts, p, new int[] {eos});
    }

    /** Samples one completion per prompt, ending at any of the ids {@code eos}. */
    public List<Completion> generate(List<int[]> prompts, SamplingParams p, int[] eos) {
        int n = prompts.size();
        if (n == 0) {
            return List.of();
        }
        int longest = 0;
        for (int i = 0; i < n; i++) {
            if (prompts.get(i).length == 0) {
                throw new IllegalArgumentException("prompt " + i + " is empty");
            }
            longest = Math.max(longest, prompts.get(i).length);
        }
        int need = Math.min(cfg.nPositions(), longest + p.maxNewTokens());
        if (longest >= cfg.nPositions()) {
            throw new IllegalArgumentException("a prompt of " + longest + " tokens leaves no room in n_positions "
                    + cfg.nPositions());
        }
        cfg.checkLength(longest + p.maxNewTokens());
        ensureCache(n, need);
        if (step == null || step.cap < n) {
            if (step != null) {
                closeGraphs();
                step.release(be);
            }
            step = new StepBuffers(be, cfg, n);
        }
        Decoding d = new Decoding(prompts, p, eos);
        d.prefill();
        while (d.advance()) {
            // one token for every unfinished sequence per iteration
        }
        return d.results();
    }

    private void ensureCache(int n, int t) {
        if (kCache != null && slots >= n && maxT >= t) {
            return;
        }
        slots = Math.max(n, slots);
        maxT = Math.max(t, maxT);
        releaseCache();
        kCache = new Tensor[cfg.nLayer()];
        vCache = new Tensor[cfg.nLayer()];
        long size = (long) slots * cfg.nKvHead() * maxT * cfg.headSize();
        for (int l = 0; l < cfg.nLayer(); l++) {
            kCache[l] = be.allocate("kcache." + l, size);
            vCache[l] = be.allocate("vcache." + l, size);
        }
    }

    /** The state of one generate call. */
    private final class Decoding {
        final List<int[]> prompts;
        final SamplingParams p;
        final int[] eos;
        final int n;
        final int[][] out;
        final float[][] lp;
        final float[][] lp1;
        final int[] len;
        final boolean[] done;
        final Completion.Finish[] finish;
        final long[] rng;
        // per-step arrays over the active rows
        final int[] rowSlot;
        final int[] rowToken;
        final int[] rowPos;
        final long[] rowRng;
        final int[] sampled;
        final float[] sampledLp;
        final float[] sampledLp1;

        Decoding(List<int[]> prompts, SamplingParams p, int[] eos) {
            this.prompts = prompts;
            this.p = p;
            this.eos = eos;
            this.n = prompts.size();
            out = new int[n][p.maxNewTokens()];
            lp = new float[n][p.maxNewTokens()];
            lp1 = new float[n][p.maxNewTokens()];
            len = new int[n];
            done = new boolean[n];
            finish = new Completion.Finish[n];
            rng = new long[n];
            for (int i = 0; i < n; i++) {
                rng[i] = SplitMix.seed(p.seed(), i);
            }
            rowSlot = new int[n];
            rowToken = new int[n];
            rowPos = new int[n];
            rowRng = new long[n];
            sampled = new int[n];
            sampledLp = new float[n];
            sampledLp1 = new float[n];
        }

        /**
         * Prefills every distinct prompt once: prompts of equal length go through the model
         * together, as many per forward as fit in the larger of the model's current activations
         * and {@link #PREFILL_TOKENS} tokens; each sequence's keys and values are copied into its
         * own cache slot and its first token is sampled from its prompt's last logits (all of a
         * forward's sequences in one sample call).
         */
        void prefill() {
            int qkvWidth = cfg.heads().qkvWidth();
            int v = cfg.vocabSize();
            // groups of consecutive identical prompts, by length
            java.util.Map<Integer, List<int[]>> byLength = new java.util.TreeMap<>();
            for (int i = 0; i < n;) {
                int j = i;
                while (j < n && Arrays.equals(prompts.get(j), prompts.get(i))) {
                    j++;
                }
                byLength.computeIfAbsent(prompts.get(i).length, k -> new ArrayList<>()).add(new int[] {i, j});
                i = j;
            }
            for (var e : byLength.entrySet()) {
                int len = e.getKey();
                List<int[]> groups = e.getValue();
                int capT = Math.max(len, model.activationSeqCapacity());
                int perForward = (int) Math.max(1, Math.max(model.activationTokens(), PREFILL_TOKENS) / capT);
                for (int g0 = 0; g0 < groups.size(); g0 += perForward) {
                    int k = Math.min(perForward, groups.size() - g0);
                    int[] batch = new int[k * len];
                    for (int q = 0; q < k; q++) {
                        System.arraycopy(prompts.get(groups.get(g0 + q)[0]), 0, batch, q * len, len);
                    }
                    model.forward(batch, k, len);
                    // every sequence's first token from its prompt's last logits (the LM head of that
                    // one position, copied to the group's other rows) in the step's logits rows, so
                    // that one sample call draws them all (one device round trip per forward)
                    int rows = 0;
                    for (int q = 0; q < k; q++) {
                        int[] range = groups.get(g0 + q);
                        Tensor first = be.view(step.logits, "prefill.first", (long) rows * v, v);
                        model.rowLogits(q * len + len - 1, first);
                        for (int s = range[0]; s < range[1]; s++) {
                            for (int l = 0; l < cfg.nLayer(); l++) {
                                Tensor qkv = be.view(model.qkvActivation(l), "prefill.qkv",
                                        (long) q * len * qkvWidth, len * qkvWidth);
                                be.cacheStore(kCache[l], vCache[l], qkv, s, len, cfg.heads(), maxT);
                            }
                            if (s > range[0]) {
                                Tensor row = be.view(step.logits, "prefill.row", (long) rows * v, v);
                                be.zero(row);
                                be.accumulate(row, first);
                            }
                            rowSlot[rows] = s;
                            rowRng[rows] = rng[s];
                            rows++;
                        }
                    }
                    be.sample(sampled, sampledLp, sampledLp1, step.logits, rows, v, p.temperature(), p.topK(),
                            p.topP(), p.minP(), rowRng);
                    for (int r = 0; r < rows; r++) {
                        int s = rowSlot[r];
                        rng[s] = rowRng[r];
                        accept(s, sampled[r], sampledLp[r], sampledLp1[r]);
                    }
                }
            }
        }

        void accept(int s, int token, float logprob, float logprobT1) {
            out[s][len[s]] = token;
            lp[s][len[s]] = logprob;
            lp1[s][len[s]] = logprobT1;
            len[s]++;
            if (isEos(token)) {
                done[s] = true;
                finish[s] = Completion.Finish.EOS;
            } else if (len[s] == p.maxNewTokens() || prompts.get(s).length + len[s] >= cfg.nPositions()) {
                done[s] = true;
                finish[s] = Completion.Finish.LENGTH;
            }
        }

        /** One decoding step for every unfinished sequence; false when all are finished. */
        boolean advance() {
            int rows = 0;
            for (int s = 0; s < n; s++) {
                if (!done[s]) {
                    rowSlot[rows] = s;
                    rowToken[rows] = out[s][len[s] - 1];
                    rowPos[rows] = prompts.get(s).length + len[s] - 1;
                    rowRng[rows] = rng[s];
                    rows++;
                }
            }
            if (rows == 0) {
                return false;
            }
            int stepRows = rows;
            if (recordingFailures < MAX_RECORDING_FAILURES) {
                // pad to the bucket with finished sequences' slots (their caches are no longer
                // read): token 0 at position 0; their logits are not sampled
                stepRows = Math.min(n, (rows + ROW_BUCKET - 1) / ROW_BUCKET * ROW_BUCKET);
                int r = rows;
                for (int s = 0; s < n && r < stepRows; s++) {
                    if (done[s]) {
                        rowSlot[r] = s;
                        rowToken[r] = 0;
                        rowPos[r] = 0;
                        r++;
                    }
                }
            }
            runStep(stepRows);
            be.sample(sampled, sampledLp, sampledLp1, step.logits, rows, cfg.vocabSize(), p.temperature(), p.topK(),
                    p.topP(), p.minP(), rowRng);
            for (int r = 0; r < rows; r++) {
                int s = rowSlot[r];
                rng[s] = rowRng[r];
                accept(s, sampled[r], sampledLp[r], sampledLp1[r]);
            }
            return true;
        }

        /**
         * The forward of one decoding step: replayed from a recording when the backend records
         * steps (a CUDA graph: one launch instead of ~170), else op by op.
         */
        void runStep(int rows) {
            if (recordingFailures < MAX_RECORDING_FAILURES) {
                StepGraph g = graphs.get(rows);
                if (g != null && g.replay(rowToken, rowPos, rowSlot, rows)) {
                    replayedSteps++;
                    return;
                }
                if (g != null) {
                    g.close();
                    graphs.remove(rows);
                }
                if (graphs.size() >= MAX_GRAPHS) {
                    closeGraphs();
                }
                g = be.recordStep(rows, () -> forwardStep(rows));
                if (g != null) {
                    graphs.put(rows, g);
                    recordingFailures = 0;
                    if (g.replay(rowToken, rowPos, rowSlot, rows)) {
                        replayedSteps++;
                        return;
                    }
                } else {
                    recordingFailures++;
                }
            }
            forwardStep(rows);
        }

        boolean isEos(int token) {
            for (int e : eos) {
                if (token == e) {
                    return true;
                }
            }
            return false;
        }

        void forwardStep(int rows) {
            int c = cfg.nEmbd();
            Heads h = cfg.heads();
            Layout layout = model.weightLayout();
            ParamSet w = model.params();
            be.embeddingForward(step.x, rowToken, rowPos, rows, w.wte(), w.wpe(), c);
            ParamSet.Block first = w.block(0);
            norm(first.ln1w(), first.ln1b(), rows);
            // each residual add goes with the norm that reads its sum (one pass where fused)
            for (int l = 0; l < cfg.nLayer(); l++) {
                ParamSet.Block b = w.block(l);
                be.matmulForward(step.qkv, step.ln, b.qkvw(), b.qkvb(), rows, c, h.qkvWidth(), layout);
                model.adapt(l, LoraModules.Product.QKV, step.qkv, step.ln, rows, false);
                if (cfg.type().llamaBlock()) {
                    if (cfg.qkNorm()) {
                        be.headRmsNormForward(step.qkv, step.qkRstd, step.qkv, b.qNorm(), b.kNorm(), rows, h,
                                cfg.normEps());
                    }
                    be.ropeForward(step.qkv, step.qkv, rowPos, model.invFreq(), rows, h);
                }
                be.attentionStep(step.atty, step.qkv, kCache[l], vCache[l], rowSlot, rowPos, rows, h, maxT);
                be.matmulForward(step.proj, step.atty, b.attprojw(), b.attprojb(), rows, h.width(), c, layout);
                model.adapt(l, LoraModules.Product.O, step.proj, step.atty, rows, false);
                residualNorm(b.ln2w(), b.ln2b(), rows);
                be.matmulForward(step.fch, step.ln, b.fcw(), b.fcb(), rows, c, cfg.mlpInWidth(), layout);
                model.adapt(l, LoraModules.Product.MLP_IN, step.fch, step.ln, rows, false);
                if (cfg.type().llamaBlock()) {
                    be.swigluForward(step.fchGelu, step.fch, rows, cfg.mlpWidth());
                } else {
                    be.geluForward(step.fchGelu, step.fch, (long) rows * cfg.mlpWidth());
                }
                be.matmulForward(step.proj, step.fchGelu, b.fcprojw(), b.fcprojb(), rows, cfg.mlpWidth(), c, layout);
                model.adapt(l, LoraModules.Product.MLP_OUT, step.proj, step.fchGelu, rows, false);
                boolean last = l == cfg.nLayer() - 1;
                residualNorm(last ? w.lnfw() : w.block(l + 1).ln1w(), last ? w.lnfb() : w.block(l + 1).ln1b(), rows);
            }
            be.matmulForward(step.logits, step.ln, w.lmHead(), null, rows, c, cfg.vocabSize(), Layout.OUT_IN);
        }

        private void norm(Tensor weight, Tensor bias, int rows) {
            if (cfg.type().llamaBlock()) {
                be.rmsNormForward(step.ln, step.rstd, step.x, weight, rows, cfg.nEmbd(), cfg.normEps());
            } else {
                be.layerNormForward(step.ln, step.mean, step.rstd, step.x, weight, bias, rows, cfg.nEmbd(),
                        cfg.normEps());
            }
        }

        /** x += proj, then the norm of x into ln. */
        private void residualNorm(Tensor weight, Tensor bias, int rows) {
            if (cfg.type().llamaBlock()) {
                be.residualRmsNormForward(step.x, step.x, step.proj, step.ln, step.rstd, weight, rows, cfg.nEmbd(),
                        cfg.normEps());
            } else {
                be.residualLayerNormForward(step.x, step.x, step.proj, step.ln, step.mean, step.rstd, weight, bias,
                        rows, cfg.nEmbd(), cfg.normEps());
            }
        }

        List<Completion> results() {
            List<Completion> r = new ArrayList<>(n);
            for (int s = 0; s < n; s++) {
                r.add(new Completion(Arrays.copyOf(out[s], len[s]), Arrays.copyOf(lp[s], len[s]),
                        Arrays.copyOf(lp1[s], len[s]), finish[s]));
            }
            return r;
        }
    }
}
