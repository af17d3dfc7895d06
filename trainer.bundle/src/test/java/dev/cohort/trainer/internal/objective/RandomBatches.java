package dev.cohort.trainer.internal.objective;

import java.util.Random;

/** Random micro-batches for the gradient checks. */
final class RandomBatches {
    private RandomBatches() {}

    /**
     * b in 1..4, T in 1..6, a mask with about 1/4 padding, about 1/3 of samples truncated, about
     * 1/6 zero advantages, logp in (-3, -0.05), oldLogp = logp - N(0, 0.35) (ratios on both sides
     * of the clip range), refLogp = logp + N(0, 0.5). N = masked tokens + 0..4 extra.
     */
    static MicroBatch draw(Random random, boolean withOld, boolean withRef) {
        int b = 1 + random.nextInt(4);
        int t = 1 + random.nextInt(6);
        double[] logp = new double[b * t];
        double[] old = withOld ? new double[b * t] : null;
        double[] ref = withRef ? new double[b * t] : null;
        boolean[] mask = new boolean[b * t];
        long tokens = 0;
        for (int i = 0; i < b * t; i++) {
            logp[i] = -0.05 - 2.95 * random.nextDouble();
            mask[i] = random.nextInt(4) != 0;
            tokens += mask[i] ? 1 : 0;
            if (withOld) {
                old[i] = logp[i] - 0.35 * random.nextGaussian();
            }
            if (withRef) {
                ref[i] = logp[i] + 0.5 * random.nextGaussian();
            }
        }
        double[] advantages = new double[b];
        boolean[] truncated = new boolean[b];
        for (int s = 0; s < b; s++) {
            advantages[s] = random.nextInt(6) == 0 ? 0 : random.nextGaussian();
            truncated[s] = random.nextInt(3) == 0;
        }
        return new MicroBatch(b, t, logp, old, ref, mask, advantages, truncated,
                tokens + random.nextInt(5) + 1);
    }

    /** The same batch with another oldLogp array. */
    static MicroBatch withOld(MicroBatch batch, double[] old) {
        return new MicroBatch(batch.samples(), batch.tokens(), batch.logp(), old, batch.refLogp(),
                batch.mask(), batch.advantages(), batch.truncated(), batch.batchTokens());
    }

    /** Whether every ratio that counts is at least margin away from 1 - eps_low and 1 + eps_high. */
    static boolean awayFromKinks(MicroBatch batch, ObjectiveConfig config, double margin) {
        int t = batch.tokens();
        for (int s = 0; s < batch.samples(); s++) {
            double logSum = 0;
            int n = 0;
            for (int i = s * t; i < (s + 1) * t; i++) {
                if (batch.mask()[i]) {
                    double l = batch.oldLogp() == null ? 0 : batch.logp()[i] - batch.oldLogp()[i];
                    logSum += l;
                    n++;
                    if (config.importanceSampling() == ImportanceSampling.TOKEN
                            && nearKink(Math.exp(l), config, margin)) {
                        return false;
                    }
                }
            }
            if (config.importanceSampling() == ImportanceSampling.SEQUENCE && n > 0
                    && nearKink(Math.exp(logSum / n), config, margin)) {
                return false;
            }
        }
        return true;
    }

    private static boolean nearKink(double w, ObjectiveConfig config, double margin) {
        return Math.abs(w - (1 - config.epsilonLow())) < margin
                || Math.abs(w - (1 + config.epsilonHigh())) < margin;
    }
}
