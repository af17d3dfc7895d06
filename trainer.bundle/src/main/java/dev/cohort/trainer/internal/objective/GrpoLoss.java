package dev.cohort.trainer.internal.objective;

/**
 * The GRPO loss of one micro-batch and its gradient with respect to every completion token's
 * current log-prob, computed in one pass (see docs/grpo-objective.md for the formulas).
 *
 * <p>Per token, with w the token's ratio exp(logp - oldLogp) or, at sequence level, the sample's
 * exp(sum_t m*l / max(1, sum_t m)): L = -min(w A, clip(w, 1 - eps_low, 1 + eps_high) A) + beta *
 * (exp(d) - d - 1), d = refLogp - logp. The loss is sum over tokens of c_s * m * L with c_s the
 * aggregation's per-sample factor (grpo, bnpo, dr_grpo, dapo; the first three divided by
 * gradient_accumulation_steps). With {@link MicroBatch#weights()} ρ (TRL's off-policy
 * multipliers), the surrogate term becomes ρ_t * S and the KL term stays as it is.
 *
 * <p>Everything is double: the log-ratio and exp(d) - d - 1 are differences of nearly equal
 * numbers, and this loss is O(tokens) work, negligible beside the model that produced the
 * log-probs. A reusable, single-threaded instance: its workspace (b ints) is sized on first use
 * and grown when needed, so a call allocates nothing in the steady state.
 */
public final class GrpoLoss {
    private final ObjectiveConfig config;
    private final boolean sequenceLevel;
    private int[] tokenCounts = new int[0];
    private long tallyTokens;
    private long tallyLow;
    private long tallyHigh;
    private double tallyKl;

    /** An instance for one run's config. */
    public GrpoLoss(ObjectiveConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config is null");
        }
        this.config = config;
        this.sequenceLevel = config.importanceSampling() == ImportanceSampling.SEQUENCE;
    }

    /**
     * The micro-batch's loss, and dLoss/dlogp written into {@code dLogp}.
     *
     * @param batch the micro-batch; see {@link MicroBatch} for shapes
     * @param dLogp [b*T] out: the gradient per token, 0 for masked tokens and truncated samples
     *     under mask_truncated_completions
     * @param metrics receives this micro-batch's token sums (clip counts, KL), or null
     * @return the loss of this micro-batch (summed over micro-batches it is the step's loss)
     */
    public double lossAndGradient(MicroBatch batch, double[] dLogp, StepMetricsAccumulator metrics) {
        validate(batch, dLogp);
        long maskedTokens = countTokens(batch);
        tallyTokens = 0;
        tallyLow = 0;
        tallyHigh = 0;
        tallyKl = 0;
        double loss = 0;
        for (int s = 0; s < batch.samples(); s++) {
            double c = coefficient(batch, tokenCounts[s], maskedTokens);
            loss += c * sample(batch, s, c, dLogp);
        }
        if (metrics != null) {
            double kl = config.beta() > 0 ? tallyKl : Double.NaN;
            metrics.addTokenSums(tallyTokens, tallyLow, tallyHigh, kl);
        }
        return loss;
    }

    /** Fills tokenCounts[s] = sum_t m (0 for a masked truncated sample); returns the sum. */
    private long countTokens(MicroBatch batch) {
        int b = batch.samples();
        int t = batch.tokens();
        if (tokenCounts.length < b) {
            tokenCounts = new int[b];
        }
        long total = 0;
        for (int s = 0; s < b; s++) {
            int n = 0;
            if (!isMaskedTruncated(batch, s)) {
                for (int i = s * t; i < (s + 1) * t; i++) {
                    n += batch.mask()[i] ? 1 : 0;
                }
            }
            tokenCounts[s] = n;
            total += n;
        }
        return total;
    }

    private boolean isMaskedTruncated(MicroBatch batch, int s) {
        return config.maskTruncatedCompletions() && batch.truncated()[s];
    }

    /** c_s, the factor of sample s's masked per-token losses in the micro-batch loss. */
    private double coefficient(MicroBatch batch, int sampleTokens, long maskedTokens) {
        double ga = config.gradientAccumulationSteps();
        double b = batch.samples();
        return switch (config.lossType()) {
            case GRPO -> 1 / (b * Math.max(1, sampleTokens) * ga);
            case BNPO -> 1 / (Math.max(1, maskedTokens) * ga);
            case DR_GRPO -> 1 / (b * config.maxCompletionLength() * ga);
            case DAPO -> 1 / (double) batch.batchTokens();
        };
    }

    /** Sum over sample s's masked tokens of L; writes c_s * dL/dlogp into dLogp's row s. */
    private double sample(MicroBatch batch, int s, double c, double[] dLogp) {
        int from = s * batch.tokens();
        int to = from + batch.tokens();
        int n = tokenCounts[s];
        double a = batch.advantages()[s];
        double sequenceRatio =
                sequenceLevel && n > 0 ? Math.exp(sequenceLogRatio(batch, from, to, n)) : 1;
        double meanWeight = sequenceLevel && n > 0 ? meanWeight(batch, from, to, n) : 1;
        double sum = 0;
        for (int i = from; i < to; i++) {
            if (n == 0 || !batch.mask()[i]) {
                dLogp[i] = 0;
                continue;
            }
            double w = sequenceLevel ? sequenceRatio : Math.exp(logRatio(batch, i));
            double rho = batch.weights() == null ? 1 : batch.weights()[i];
            sum += token(batch, i, w, a, c, rho, sequenceLevel ? meanWeight : rho, dLogp);
        }
        return sum;
    }

    /**
     * At sequence level every token's surrogate depends on w_s, so token t's gradient collects
     * the weights of all the sample's tokens: sum_t m ρ_t / n (1 without weights).
     */
    private static double meanWeight(MicroBatch batch, int from, int to, int n) {
        if (batch.weights() == null) {
            return 1;
        }
        double sum = 0;
        for (int i = from; i < to; i++) {
            if (batch.mask()[i]) {
                sum += batch.weights()[i];
            }
        }
        return sum / n;
    }

    /**
     * L of token i with ratio w and surrogate weight rho; writes c * dL/dlogp (the surrogate's
     * gradient scaled by gradWeight) and tallies the clip flags and the KL.
     */
    private double token(MicroBatch batch, int i, double w, double a, double c, double rho, double gradWeight,
            double[] dLogp) {
        double lo = config.epsilonLow();
        double hi = config.epsilonHigh();
        double loss = rho * TokenKernels.surrogate(w, a, lo, hi);
        double grad = gradWeight * TokenKernels.surrogateBackward(w, a, lo, hi);
        if (config.beta() > 0) {
            double kl = TokenKernels.k3(batch.refLogp()[i], batch.logp()[i]);
            loss += config.beta() * kl;
            grad += config.beta() * TokenKernels.k3Backward(batch.refLogp()[i], batch.logp()[i]);
            tallyKl += kl;
        }
        tallyTokens++;
        tallyLow += TokenKernels.clippedLow(w, a, lo) ? 1 : 0;
        tallyHigh += TokenKernels.clippedHigh(w, a, hi) ? 1 : 0;
        // At sequence level L depends on every token through w_s: dL_total/dlogp_t
        // = c * (sum_t m ρ_t) * dS/dlog(w_s) * m_t / n = c * meanWeight * dS/dlog(w_s).
        dLogp[i] = c * grad;
        return loss;
    }

    /** logp - oldLogp of token i; 0 when oldLogp is null (the old policy is the current one). */
    private static double logRatio(MicroBatch batch, int i) {
        return batch.oldLogp() == null ? 0 : batch.logp()[i] - batch.oldLogp()[i];
    }

    /** GSPO: sum_t m*l / n over the sample's n >= 1 masked tokens. */
    private static double sequenceLogRatio(MicroBatch batch, int from, int to, int n) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            if (batch.mask()[i]) {
                sum += logRatio(batch, i);
            }
        }
        return sum / n;
    }

    private void validate(MicroBatch batch, double[] dLogp) {
        Shapes.requireNonNull("batch", batch, "a micro-batch");
        Shapes.requireNonNull("dLogp", dLogp, "a [b*T] gradient output");
        Shapes.requireTokens("dLogp", dLogp.length, batch.samples(), batch.tokens());
        if (config.beta() > 0 && batch.refLogp() == null) {
            throw missing("refLogp", ConfigKeys.BETA + " = " + config.beta()
                    + " > 0 needs the reference model's log-probs");
        }
        if (config.numIterations() > 1 && batch.oldLogp() == null) {
            throw missing("oldLogp", ConfigKeys.NUM_ITERATIONS + " = " + config.numIterations()
                    + " > 1 needs the generating policy's log-probs");
        }
        if (config.maskTruncatedCompletions() && batch.truncated() == null) {
            throw missing("truncated", ConfigKeys.MASK_TRUNCATED + " = true needs the truncated flags");
        }
        if (config.lossType() == LossType.DAPO && batch.batchTokens() < 1) {
            throw new IllegalArgumentException("batchTokens is " + batch.batchTokens() + ", "
                    + ConfigKeys.LOSS_TYPE
                    + " = dapo needs N >= 1 (completion tokens in the generation batch)");
        }
    }

    private static IllegalArgumentException missing(String tensor, String why) {
        return new IllegalArgumentException(tensor + " is null, " + why);
    }
}
