package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.CudaTwins.uniform;

import dev.cohort.trainer.internal.backend.CudaTwins.Twin;
import java.util.SplittableRandom;

/** Grouped-query attention on both backends of a {@link CudaTwins}: training and decoding. */
final class GqaChecks {

    private GqaChecks() {
    }

    /**
     * Forward and backward: the output within {@code outTol} absolute, dqkv (non-zero before: the
     * backward adds to it) within {@code dqkvTol} relative, and the probabilities within 1e-4 when
     * {@code compareAtt} (the fused path keeps other things in att).
     */
    static void training(CudaTwins tw, String what, SplittableRandom r, int b, int t, Heads h, double outTol,
            double dqkvTol, boolean compareAtt) {
        String at = " " + what + " (B " + b + ", T " + t + ", " + h + ")";
        long bt = (long) b * t;
        Twin qkv = tw.of("qkv", uniform(r, bt * h.qkvWidth(), -1, 1));
        Twin out = tw.zeros("out", bt * h.width());
        Twin att = tw.zeros("att", Math.max(tw.java.attentionStateSize(b, t, h), tw.cuda.attentionStateSize(b, t, h)));
        tw.java.attentionForward(out.j, att.j, qkv.j, b, t, h);
        tw.cuda.attentionForward(out.c, att.c, qkv.c, b, t, h);
        if (compareAtt) {
            att.assertAbs("probabilities" + at, 1e-4);
        }
        out.assertAbs("forward" + at, outTol);
        Twin dout = tw.of("dout", uniform(r, bt * h.width(), -1, 1));
        Twin dqkv = tw.of("dqkv", uniform(r, bt * h.qkvWidth(), -1, 1));
        Twin datt = tw.zeros("datt",
                Math.max(tw.java.attentionScratchSize(b, t, h), tw.cuda.attentionScratchSize(b, t, h)));
        tw.java.attentionBackward(dqkv.j, datt.j, dout.j, qkv.j, att.j, b, t, h);
        tw.cuda.attentionBackward(dqkv.c, datt.c, dout.c, qkv.c, att.c, b, t, h);
        dqkv.assertRel("dqkv" + at, dqkvTol);
    }

    /** cacheStore and attentionStep on both backends; the caches compared where both hold floats. */
    static void cachedStep(CudaTwins tw, Heads h, int maxT, int t, boolean compareCaches, double outTol) {
        String at = " (" + h + ", " + t + " positions)";
        SplittableRandom r = new SplittableRandom(3);
        int slots = 5;
        Twin k = tw.zeros("k", (long) slots * maxT * h.kvWidth());
        Twin v = tw.zeros("v", (long) slots * maxT * h.kvWidth());
        Twin prefill = tw.of("prefill", uniform(r, (long) t * h.qkvWidth(), -1, 1));
        for (int s = 0; s < slots; s++) {
            tw.java.cacheStore(k.j, v.j, prefill.j, s, t - s, h, maxT);
            tw.cuda.cacheStore(k.c, v.c, prefill.c, s, t - s, h, maxT);
        }
        if (compareCaches) {
            k.assertAbs("cacheStore k" + at, 0);
            v.assertAbs("cacheStore v" + at, 0);
        }
        int n = 4;
        int[] slot = {4, 0, 2, 1};
        int[] pos = {t - 4, t, t - 2, t - 1};
        Twin qkv = tw.of("qkv", uniform(r, (long) n * h.qkvWidth(), -1, 1));
        Twin out = tw.zeros("out", (long) n * h.width());
        tw.java.attentionStep(out.j, qkv.j, k.j, v.j, slot, pos, n, h, maxT);
        tw.cuda.attentionStep(out.c, qkv.c, k.c, v.c, slot, pos, n, h, maxT);
        out.assertAbs("attentionStep" + at, outTol);
        if (compareCaches) {
            k.assertAbs("attentionStep k cache" + at, 0);
            v.assertAbs("attentionStep v cache" + at, 0);
        }
    }
}
