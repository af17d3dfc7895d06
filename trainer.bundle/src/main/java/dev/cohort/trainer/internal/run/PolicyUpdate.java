package dev.cohort.trainer.internal.run;

import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.objective.GrpoLoss;
import dev.cohort.trainer.internal.objective.MicroBatch;
import dev.cohort.trainer.internal.objective.ObjectiveConfig;
import dev.cohort.trainer.internal.objective.OffPolicyCorrection;
import dev.cohort.trainer.internal.objective.OffPolicySettings;
import dev.cohort.trainer.internal.objective.OffPolicyStats;
import dev.cohort.trainer.internal.objective.StepMetricsAccumulator;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The gradient of one optimizer step over a generation batch, split into micro-batches of
 * {@code per_device_train_batch_size} samples: for each, the policy's log-probs of the
 * completion tokens (and, when needed, the old policy's and the reference model's), the GRPO
 * loss and its gradient per token, and the model's backward from that gradient. The generation
 * batch's old and reference log-probs are computed once and kept for every iteration.
 *
 * <p>Off-policy corrections (TRL's): with an engine other than the embedded one, each token's
 * surrogate is weighted by the importance-sampling ratio between the trainer's log-probs under
 * the generating weights (the batch's {@code oldLogp} when the producer computed them, else this
 * step's log-probs, which are those weights in the synchronous loop) and the engine's sampling
 * log-probs, computed once per generation batch; with {@code off_policy_mask_threshold} every
 * step also applies the off-policy sequence mask.
 */
final class PolicyUpdate {

    private final PolicyModel model;
    private final PolicyModel reference;
    private final ObjectiveConfig objective;
    private final GrpoLoss loss;
    private final float temperature;
    private final int microBatch;
    private final OffPolicySettings offPolicy;
    private final boolean external;
    private double[][] oldLogp;
    private double[][] refLogp;
    private double[][] isRatio;
    private OffPolicyStats batchStats = new OffPolicyStats();
    private OffPolicyStats stepStats = new OffPolicyStats();

    /** Loss, entropy sum and token count of the last {@link #accumulate} call. */
    double lastLoss;
    double entropySum;
    long entropyTokens;

    PolicyUpdate(PolicyModel model, PolicyModel reference, ObjectiveConfig objective, float temperature, int microBatch) {
        this(model, reference, objective, temperature, microBatch, OffPolicySettings.DEFAULTS, false);
    }

    /** {@code external}: the rollout engine is not the trainer's own (TRL's use_vllm). */
    PolicyUpdate(PolicyModel model, PolicyModel reference, ObjectiveConfig objective, float temperature, int microBatch,
            OffPolicySettings offPolicy, boolean external) {
        this.offPolicy = offPolicy;
        this.external = external;
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
        oldLogp = objective.numIterations() > 1 || r.oldLogp() != null ? new double[chunks][] : null;
        refLogp = objective.beta() > 0 ? new double[chunks][] : null;
        isRatio = external && offPolicy.correction() ? new double[chunks][] : null;
        batchStats = new OffPolicyStats();
    }

    /** The off-policy metrics of the step: the batch's importance-sampling ratio and this step's mask. */
    Map<String, Double> offPolicyMetrics() {
        Map<String, Double> m = new LinkedHashMap<>(batchStats.toMap());
        m.putAll(stepStats.toMap());
        return m;
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
        stepStats = new OffPolicyStats();
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
        TokenLayout l = new TokenLayout(r, from, to);
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
                oldLogp[chunk] = r.oldLogp() != null ? l.gatherSamples(r.oldLogp(), from) : logp.clone();
            }
            old = oldLogp[chunk];
        }
        double[] advantages = Arrays.copyOfRange(r.advantages(), from, to);
        boolean[] truncated = Arrays.copyOfRange(r.truncated(), from, to);
        double[] weights = weights(r, l, from, chunk, logp, old, advantages, truncated);
        MicroBatch mb = new MicroBatch(l.b, l.tc, logp, old, ref, l.mask, advantages, truncated, batchTokens, weights);
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
    private double[] referenceLogp(TokenLayout l, int n, int chunk) {
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
     * The detached surrogate weights of the micro-batch (importance-sampling ratio times
     * off-policy mask), or null when neither applies.
     */
    private double[] weights(Rollouts r, TokenLayout l, int from, int chunk, double[] logp, double[] old,
            double[] advantages, boolean[] truncated) {
        if (isRatio == null && !offPolicy.masksOffPolicy()) {
            return null;
        }
        boolean[] mask = lossMask(l, truncated);
        double[] sampling = external ? l.gatherSamples(r.samplingLogp(), from) : null;
        double[] generating = old != null ? old : logp;
        double[] w;
        if (isRatio != null) {
            if (isRatio[chunk] == null) {
                isRatio[chunk] = new double[l.b * l.tc];
                OffPolicyCorrection.importanceRatios(offPolicy.mode(), offPolicy.cap(), l.b, l.tc, generating,
                        sampling, mask, isRatio[chunk], batchStats);
            }
            w = isRatio[chunk].clone();
        } else {
            w = new double[l.b * l.tc];
            Arrays.fill(w, 1);
        }
        if (offPolicy.masksOffPolicy()) {
            OffPolicyCorrection.offPolicyMask(offPolicy.maskThreshold(), l.b, l.tc, advantages, logp,
                    external ? sampling : generating, mask, w, stepStats);
        }
        return w;
    }

    /** TRL's completion mask: the real tokens, none of a truncated sample under mask_truncated_completions. */
    private boolean[] lossMask(TokenLayout l, boolean[] truncated) {
        if (!objective.maskTruncatedCompletions()) {
            return l.mask;
        }
        boolean[] m = l.mask.clone();
        for (int s = 0; s < l.b; s++) {
            if (truncated[s]) {
                Arrays.fill(m, s * l.tc, (s + 1) * l.tc, false);
            }
        }
        return m;
    }
}
