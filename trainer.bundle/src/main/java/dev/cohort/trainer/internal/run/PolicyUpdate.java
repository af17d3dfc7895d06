package dev.cohort.trainer.internal.run;

import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.objective.GrpoLoss;
import dev.cohort.trainer.internal.objective.MicroBatch;
import dev.cohort.trainer.internal.objective.ObjectiveConfig;
import dev.cohort.trainer.internal.objective.StepMetricsAccumulator;
import java.util.Arrays;

/**
 * The gradient of one optimizer step over a generation batch, split into micro-batches of
 * {@code per_device_train_batch_size} samples: for each, the policy's log-probs of the
 * completion tokens (and, when needed, the old policy's and the reference model's), the GRPO
 * loss and its gradient per token, and the model's backward from that gradient. The generation
 * batch's old and reference log-probs are computed once and kept for every iteration.
 */
final class PolicyUpdate {

    private final PolicyModel model;
    private final PolicyModel reference;
    private final ObjectiveConfig objective;
    private final GrpoLoss loss;
    private final float temperature;
    private final int microBatch;
    private double[][] oldLogp;
    private double[][] refLogp;

    /** Loss, entropy sum and token count of the last {@link #accumulate} call. */
    double lastLoss;
    double entropySum;
    long entropyTokens;

    PolicyUpdate(PolicyModel model, PolicyModel reference, ObjectiveConfig objective, float temperature, int microBatch) {
        this.model = model;
        this.reference = reference;
        this.objective = objective;
        this.loss = new GrpoLoss(objective);
        this.temperature = temperature;
        this.microBatch = microBatch;
    }

    /** Starts a new generation batch: old and reference log-probs are computed on first use. */
    void reset(Rollouts r) {
        int chunks = (r.size() + microBatch - 1) / microBatch;
        oldLogp = objective.numIterations() > 1 ? new double[chunks][] : null;
        refLogp = objective.beta() > 0 ? new double[chunks][] : null;
    }

    /**
     * Accumulates the gradient of the loss over the whole generation batch into the model's
     * gradients (the caller zeroes them first) and returns the loss.
     */
    double accumulate(Rollouts r, StepMetricsAccumulator metrics) {
        long batchTokens = r.lossTokens(objective.maskTruncatedCompletions());
        double total = 0;
        entropySum = 0;
        entropyTokens = 0;
        model.training(true);
        try {
            for (int from = 0, chunk = 0; from < r.size(); from += microBatch, chunk++) {
                total += microStep(r, from, Math.min(r.size(), from + microBatch), chunk, batchTokens, metrics);
            }
        } finally {
            model.training(false);
        }
        lastLoss = total;
        return total;
    }

    private double microStep(Rollouts r, int from, int to, int chunk, long batchTokens, StepMetricsAccumulator metrics) {
        Layout l = new Layout(r, from, to);
        int n = l.b * l.t;
        float[] lp = new float[n];
        float[] entropy = new float[n];
        double[] ref = referenceLogp(l, n, chunk); // first: under LoRA the reference is this model, adapters off
        model.forward(l.tokens, l.b, l.t);
        model.logprobs(l.targets, temperature, lp, entropy);
        double[] logp = l.gather(lp);
        for (int s = 0; s < l.b; s++) {
            for (int j = 0; j < l.completionLength[s]; j++) {
                entropySum += entropy[s * l.t + l.promptLength[s] + j - 1];
                entropyTokens++;
            }
        }
        double[] old = null;
        if (oldLogp != null) {
            if (oldLogp[chunk] == null) {
                oldLogp[chunk] = logp.clone();
            }
            old = oldLogp[chunk];
        }
        double[] advantages = Arrays.copyOfRange(r.advantages(), from, to);
        boolean[] truncated = Arrays.copyOfRange(r.truncated(), from, to);
        MicroBatch mb = new MicroBatch(l.b, l.tc, logp, old, ref, l.mask, advantages, truncated, batchTokens);
        double[] dLogp = new double[l.b * l.tc];
        double value = loss.lossAndGradient(mb, dLogp, metrics);
        model.backward(l.targets, l.scatter(dLogp), temperature);
        return value;
    }

    /**
     * The reference log-probs of micro-batch {@code chunk}, computed on first use: from the
     * reference model, or under LoRA (the reference is the policy itself) from the same weights
     * with the adapters switched off, as PEFT's {@code disable_adapter()} gives TRL.
     */
    private double[] referenceLogp(Layout l, int n, int chunk) {
        if (refLogp == null) {
            return null;
        }
        if (refLogp[chunk] == null) {
            boolean self = reference == model;
            model.adapterEnabled(!self);
            try {
                reference.forward(l.tokens, l.b, l.t);
                float[] rl = new float[n];
                reference.logprobs(l.targets, temperature, rl, null);
                refLogp[chunk] = l.gather(rl);
            } finally {
                model.adapterEnabled(true);
            }
        }
        return refLogp[chunk];
    }

    /**
     * Micro-batch samples [from, to) as padded token rows: prompt then completion; the target at
     * position p is the token at p + 1 where that token is a completion token, else -1.
     */
    private static final class Layout {
        final int b;
        final int t;
        final int tc;
        final int[] tokens;
        final int[] targets;
        final int[] promptLength;
        final int[] completionLength;
        final boolean[] mask;

        Layout(Rollouts r, int from, int to) {
            b = to - from;
            int maxT = 1;
            int maxC = 1;
            promptLength = new int[b];
            completionLength = new int[b];
            for (int s = 0; s < b; s++) {
                promptLength[s] = r.promptIds().get(from + s).length;
                completionLength[s] = r.completionIds().get(from + s).length;
                maxT = Math.max(maxT, promptLength[s] + completionLength[s]);
                maxC = Math.max(maxC, completionLength[s]);
            }
            t = maxT;
            tc = maxC;
            tokens = new int[b * t];
            targets = new int[b * t];
            mask = new boolean[b * tc];
            Arrays.fill(targets, -1);
            for (int s = 0; s < b; s++) {
                int[] p = r.promptIds().get(from + s);
                int[] c = r.completionIds().get(from + s);
                System.arraycopy(p, 0, tokens, s * t, p.length);
                System.arraycopy(c, 0, tokens, s * t + p.length, c.length);
                for (int j = 0; j < c.length; j++) {
                    targets[s * t + p.length + j - 1] = c[j];
                    mask[s * tc + j] = true;
                }
            }
        }

        /** Log-probs by completion token, (b, tc), from log-probs by position, (b, t). */
        double[] gather(float[] byPosition) {
            double[] out = new double[b * tc];
            for (int s = 0; s < b; s++) {
                for (int j = 0; j < completionLength[s]; j++) {
                    out[s * tc + j] = byPosition[s * t + promptLength[s] + j - 1];
                }
            }
            return out;
        }

        /** The inverse of gather for gradients: (b, tc) to (b, t), zero elsewhere. */
        float[] scatter(double[] byCompletion) {
            float[] out = new float[b * t];
            for (int s = 0; s < b; s++) {
                for (int j = 0; j < completionLength[s]; j++) {
                    out[s * t + promptLength[s] + j - 1] = (float) byCompletion[s * tc + j];
                }
            }
            return out;
        }
    }
}
