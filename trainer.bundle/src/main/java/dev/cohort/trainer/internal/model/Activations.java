package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.Tensor;

/**
 * Forward activations kept for the backward pass, and the backward's scratch, for up to
 * {@code capB} sequences of {@code capT} tokens, each kind in one backend buffer. Views are
 * 1-D; operations are told the actual sizes, so one allocation serves every smaller batch.
 */
final class Activations implements AutoCloseable {

    final int capB;
    final int capT;

    final Tensor encoded;
    final Tensor[] ln1;
    final Tensor[] ln1Mean;
    final Tensor[] ln1Rstd;
    final Tensor[] qkv;
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
    final Tensor logits;

    // backward scratch
    final Tensor dres;
    final Tensor dln;
    final Tensor dqkv;
    final Tensor datty;
    final Tensor datt;
    final Tensor dfch;
    final Tensor dfchGelu;
    final Tensor dlogits;

    /** Views start on multiples of this many elements (256 bytes of fp32, as cudaMalloc aligns). */
    static final int ALIGN = 64;

    private final Backend backend;
    private final Tensor storage;
    private final Tensor gradStorage;
    private long next;

    Activations(Backend be, Gpt2Config cfg, int capB, int capT) {
        this.backend = be;
        this.capB = capB;
        this.capT = capT;
        long n = (long) capB * capT;
        int c = cfg.nEmbd();
        int layers = cfg.nLayer();
        long attSize = be.attentionStateSize(capB, capT, c, cfg.nHead());
        long dattSize = be.attentionScratchSize(capB, capT, c, cfg.nHead());
        long perLayer = 16 * n * c + 4 * n + attSize;
        // every view starts on a multiple of ALIGN elements (kernels read whole float4 rows)
        long total = n * c + layers * perLayer + 2 * n * c + 2 * n + n * cfg.vocabSize() + (6 + 13L * layers) * ALIGN;
        storage = be.allocate("activations", total);
        next = 0;
        encoded = take(be, storage, "encoded", n * c);
        ln1 = new Tensor[layers];
        ln1Mean = new Tensor[layers];
        ln1Rstd = new Tensor[layers];
        qkv = new Tensor[layers];
        atty = new Tensor[layers];
        att = new Tensor[layers];
        residual2 = new Tensor[layers];
        ln2 = new Tensor[layers];
        ln2Mean = new Tensor[layers];
        ln2Rstd = new Tensor[layers];
        fch = new Tensor[layers];
        fchGelu = new Tensor[layers];
        residual3 = new Tensor[layers];
        for (int l = 0; l < layers; l++) {
            ln1[l] = take(be, storage, "h." + l + ".ln1", n * c);
            ln1Mean[l] = take(be, storage, "h." + l + ".ln1_mean", n);
            ln1Rstd[l] = take(be, storage, "h." + l + ".ln1_rstd", n);
            qkv[l] = take(be, storage, "h." + l + ".qkv", 3 * n * c);
            atty[l] = take(be, storage, "h." + l + ".atty", n * c);
            att[l] = take(be, storage, "h." + l + ".att", attSize);
            residual2[l] = take(be, storage, "h." + l + ".residual2", n * c);
            ln2[l] = take(be, storage, "h." + l + ".ln2", n * c);
            ln2Mean[l] = take(be, storage, "h." + l + ".ln2_mean", n);
            ln2Rstd[l] = take(be, storage, "h." + l + ".ln2_rstd", n);
            fch[l] = take(be, storage, "h." + l + ".fch", 4 * n * c);
            fchGelu[l] = take(be, storage, "h." + l + ".fch_gelu", 4 * n * c);
            residual3[l] = take(be, storage, "h." + l + ".residual3", n * c);
        }
        proj = take(be, storage, "proj", n * c);
        lnf = take(be, storage, "lnf", n * c);
        lnfMean = take(be, storage, "lnf_mean", n);
        lnfRstd = take(be, storage, "lnf_rstd", n);
        logits = take(be, storage, "logits", n * cfg.vocabSize());

        long gradTotal = n * c * 3 + 3 * n * c + dattSize + 8 * n * c + n * cfg.vocabSize() + 8 * ALIGN;
        gradStorage = be.allocate("activation-grads", gradTotal);
        next = 0;
        dres = take(be, gradStorage, "d.residual", n * c);
        dln = take(be, gradStorage, "d.ln", n * c);
        datty = take(be, gradStorage, "d.atty", n * c);
        dqkv = take(be, gradStorage, "d.qkv", 3 * n * c);
        datt = take(be, gradStorage, "d.att", dattSize);
        dfch = take(be, gradStorage, "d.fch", 4 * n * c);
        dfchGelu = take(be, gradStorage, "d.fch_gelu", 4 * n * c);
        dlogits = take(be, gradStorage, "d.logits", n * cfg.vocabSize());
    }

    private Tensor take(Backend be, Tensor base, String name, long size) {
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("activation '" + name + "' needs " + size
                    + " elements; use smaller batches or sequences");
        }
        Tensor t = be.view(base, name, next, (int) size);
        next += (size + ALIGN - 1) / ALIGN * ALIGN;
        return t;
    }

    boolean fits(int b, int t) {
        return b <= capB && t <= capT;
    }

    @Override
    public void close() {
        backend.release(storage);
        backend.release(gradStorage);
    }
}
