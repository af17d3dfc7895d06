package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.Heads;
import dev.cohort.trainer.internal.backend.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Forward activations kept for the backward pass, and the backward's scratch, for up to
 * {@code capB} sequences of {@code capT} tokens, each kind in one backend buffer. Views are
 * 1-D; operations are told the actual sizes, so one allocation serves every smaller batch.
 * Tensors a family does not use (LayerNorm means with RMSNorm, the rotated q/k/v and the q/k
 * norm statistics with GPT-2) are null.
 */
final class Activations implements AutoCloseable {

    final int capB;
    final int capT;

    final Tensor encoded;
    final Tensor[] ln1;
    final Tensor[] ln1Mean;
    final Tensor[] ln1Rstd;
    final Tensor[] qkv;
    /** The attention's input: qkv after Qwen3's q/k norms and the rotary embedding (Llama family). */
    final Tensor[] qkvRot;
    final Tensor[] qkRstd;
    final Tensor[] atty;
    final Tensor[] att;
    final Tensor[] residual2;
    final Tensor[] ln2;
    final Tensor[] ln2Mean;
    final Tensor[] ln2Rstd;
    final Tensor[] fch;
    final Tensor[] fchGelu;
    final Tensor[] residual3;
    final Tensor proj;
    final Tensor lnf;
    final Tensor lnfMean;
    final Tensor lnfRstd;
    /** One chunk of the LM head's logits (see {@link LmHead}). */
    final Tensor logits;

    // backward scratch, allocated by the first backward (see #allocateGrads)
    Tensor dres;
    Tensor dln;
    Tensor dqkv;
    Tensor dqkvRot;
    Tensor datty;
    Tensor datt;
    Tensor dfch;
    Tensor dfchGelu;
    Tensor dlogits;

    /** Views start on multiples of this many elements (256 bytes of fp32, as cudaMalloc aligns). */
    static final int ALIGN = 64;

    private final Backend backend;
    private final ModelConfig cfg;
    private final int logitRows;
    private final Tensor storage;
    private Tensor gradStorage;

    /**
     * With {@code shared} (gradient checkpointing) every block's activations but its output
     * residual3 are one set of buffers for all blocks.
     */
    Activations(Backend be, ModelConfig cfg, int capB, int capT, int logitRows, boolean shared) {
        this.backend = be;
        this.cfg = cfg;
        this.logitRows = logitRows;
        this.capB = capB;
        this.capT = capT;
        int layers = cfg.nLayer();
        Arena a = forwardArena(be, cfg, capB, capT, logitRows, shared);
        int encodedIx = 0;
        int first = 1;
        int tail = first + 15 * layers;
        storage = a.allocate(be, "activations");
        encoded = a.view(encodedIx);
        ln1 = a.perLayer(first, 0, 15, layers);
        ln1Mean = a.perLayer(first, 1, 15, layers);
        ln1Rstd = a.perLayer(first, 2, 15, layers);
        qkv = a.perLayer(first, 3, 15, layers);
        qkvRot = a.perLayer(first, 4, 15, layers);
        qkRstd = a.perLayer(first, 5, 15, layers);
        atty = a.perLayer(first, 6, 15, layers);
        att = a.perLayer(first, 7, 15, layers);
        residual2 = a.perLayer(first, 8, 15, layers);
        ln2 = a.perLayer(first, 9, 15, layers);
        ln2Mean = a.perLayer(first, 10, 15, layers);
        ln2Rstd = a.perLayer(first, 11, 15, layers);
        fch = a.perLayer(first, 12, 15, layers);
        fchGelu = a.perLayer(first, 13, 15, layers);
        residual3 = a.perLayer(first, 14, 15, layers);
        proj = a.view(tail);
        lnf = a.view(tail + 1);
        lnfMean = a.view(tail + 2);
        lnfRstd = a.view(tail + 3);
        logits = a.view(tail + 4);
    }

    /** The forward activations' buffers, in order: encoded, 15 per block, then proj, lnf, its statistics and logits. */
    private static Arena forwardArena(Backend be, ModelConfig cfg, int capB, int capT, int logitRows,
            boolean shared) {
        long n = (long) capB * capT;
        int c = cfg.nEmbd();
        int layers = cfg.nLayer();
        boolean llama = cfg.type().llamaBlock();
        Heads h = cfg.heads();
        long qkvSize = n * h.qkvWidth();
        long attSize = be.attentionStateSize(capB, capT, h);
        Arena a = new Arena();
        a.add("encoded", n * c);
        for (int l = 0; l < layers; l++) {
            String p = "h." + l + ".";
            if (shared && l > 0) {
                a.sameAsPrevious(14);
                a.add(p + "residual3", n * c);
                continue;
            }
            a.add(p + "ln1", n * c);
            a.add(p + "ln1_mean", llama ? 0 : n);
            a.add(p + "ln1_rstd", n);
            a.add(p + "qkv", qkvSize);
            a.add(p + "qkv_rot", llama ? qkvSize : 0);
            a.add(p + "qk_rstd", cfg.qkNorm() ? n * (h.q() + h.kv()) : 0);
            a.add(p + "atty", n * h.width());
            a.add(p + "att", attSize);
            a.add(p + "residual2", n * c);
            a.add(p + "ln2", n * c);
            a.add(p + "ln2_mean", llama ? 0 : n);
            a.add(p + "ln2_rstd", n);
            a.add(p + "fch", n * cfg.mlpInWidth());
            a.add(p + "fch_act", n * cfg.mlpWidth());
            a.add(p + "residual3", n * c);
        }
        a.add("proj", n * c);
        a.add("lnf", n * c);
        a.add("lnf_mean", llama ? 0 : n);
        a.add("lnf_rstd", n);
        a.add("logits", (long) logitRows * cfg.vocabSize());
        return a;
    }

    /** The backward's scratch buffers. */
    private static Arena gradArena(Backend be, ModelConfig cfg, int capB, int capT, int logitRows) {
        long n = (long) capB * capT;
        int c = cfg.nEmbd();
        Heads h = cfg.heads();
        long qkvSize = n * h.qkvWidth();
        Arena g = new Arena();
        g.add("d.residual", n * c);
        g.add("d.ln", n * c);
        g.add("d.atty", n * h.width());
        g.add("d.qkv", qkvSize);
        g.add("d.qkv_rot", cfg.type().llamaBlock() ? qkvSize : 0);
        g.add("d.att", be.attentionScratchSize(capB, capT, h));
        g.add("d.fch", n * cfg.mlpInWidth());
        g.add("d.fch_act", n * cfg.mlpWidth());
        g.add("d.logits", (long) logitRows * cfg.vocabSize());
        return g;
    }

    /** Bytes of the forward activations and of the backward's scratch (fp32), without allocating them. */
    static long[] bytes(Backend be, ModelConfig cfg, int capB, int capT, int logitRows, boolean shared) {
        return new long[] {4 * forwardArena(be, cfg, capB, capT, logitRows, shared).total(),
                4 * gradArena(be, cfg, capB, capT, logitRows).total()};
    }

    /** The backward's scratch, on first use: a model that only runs forwards never holds it. */
    void allocateGrads() {
        if (gradStorage != null) {
            return;
        }
        Arena g = gradArena(backend, cfg, capB, capT, logitRows);
        gradStorage = g.allocate(backend, "activation-grads");
        dres = g.view(0);
        dln = g.view(1);
        datty = g.view(2);
        dqkv = g.view(3);
        dqkvRot = g.view(4);
        datt = g.view(5);
        dfch = g.view(6);
        dfchGelu = g.view(7);
        dlogits = g.view(8);
    }

    /** Named sizes laid out one after another in one buffer, each view aligned; size 0 = absent (null). */
    private static final class Arena {
        private final List<String> names = new ArrayList<>();
        private final List<long[]> spans = new ArrayList<>();
        private long next;
        private Backend be;
        private Tensor base;

        int add(String name, long size) {
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("activation '" + name + "' needs " + size
                        + " elements; use smaller batches or sequences");
            }
            names.add(name);
            spans.add(new long[] {next, size});
            next += (size + ALIGN - 1) / ALIGN * ALIGN;
            return names.size() - 1;
        }

        int size() {
            return names.size();
        }

        long total() {
            return next;
        }

        /** The next {@code count} entries are the same buffers as the previous layer's (15 entries back). */
        void sameAsPrevious(int count) {
            for (int i = 0; i < count; i++) {
                int from = names.size() - 15;
                names.add(names.get(from));
                spans.add(spans.get(from));
            }
        }

        Tensor allocate(Backend backend, String name) {
            this.be = backend;
            this.base = backend.allocate(name, Math.max(1, next));
            return base;
        }

        Tensor view(int i) {
            long[] s = spans.get(i);
            return s[1] == 0 ? null : be.view(base, names.get(i), s[0], (int) s[1]);
        }

        Tensor[] perLayer(int first, int index, int stride, int layers) {
            Tensor[] t = new Tensor[layers];
            for (int l = 0; l < layers; l++) {
                t[l] = view(first + l * stride + index);
            }
            return t;
        }
    }

    boolean fits(int b, int t) {
        return b <= capB && t <= capT;
    }

    @Override
    public void close() {
        backend.release(storage);
        if (gradStorage != null) {
            backend.release(gradStorage);
        }
    }
}
