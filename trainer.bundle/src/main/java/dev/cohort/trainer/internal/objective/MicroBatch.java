package dev.cohort.trainer.internal.objective;

/**
 * The inputs of {@link GrpoLoss} for one micro-batch of b samples padded to T tokens; per-token
 * arrays are flattened row-major, index s*T + t. The constructor checks every shape and throws
 * IllegalArgumentException naming the tensor and both shapes. Arrays are not copied: a caller
 * may keep one instance and refill its arrays for each micro-batch of the same shape.
 *
 * @param samples b
 * @param tokens T, the padded completion length
 * @param logp [b*T] current policy log-probs (float log-probs widened to double)
 * @param oldLogp [b*T] log-probs of the generating policy, or null when num_iterations = 1: the
 *     old policy is then the current one with gradients stopped (ratio 1, gradient still flows)
 * @param refLogp [b*T] reference-model log-probs, or null; required when beta > 0
 * @param mask [b*T] true for a real completion token, false for padding; masked-out entries of
 *     the other arrays are never read
 * @param advantages [b] one finite advantage per sample
 * @param truncated [b] whether the sample hit max length without EOS, or null (none is); required
 *     when mask_truncated_completions is on
 * @param batchTokens N, completion tokens in the whole generation batch (all micro-batches);
 *     dapo's divisor, >= 1 for dapo, ignored otherwise
 * @param weights [b*T] detached multipliers of each token's clipped surrogate (TRL's vLLM
 *     importance-sampling ratio times the off-policy sequence mask, see
 *     {@link OffPolicyCorrection}), or null (all 1); the KL term is not weighted
 */
public record MicroBatch(
        int samples,
        int tokens,
        double[] logp,
        double[] oldLogp,
        double[] refLogp,
        boolean[] mask,
        double[] advantages,
        boolean[] truncated,
        long batchTokens,
        double[] weights) {

    /** A micro-batch without off-policy weights. */
    public MicroBatch(int samples, int tokens, double[] logp, double[] oldLogp, double[] refLogp, boolean[] mask,
            double[] advantages, boolean[] truncated, long batchTokens) {
        this(samples, tokens, logp, oldLogp, refLogp, mask, advantages, truncated, batchTokens, null);
    }

    /** Checks the shapes of every tensor against b and T. */
    public MicroBatch {
        Shapes.requireShape(samples, tokens);
        Shapes.requireNonNull("logp", logp, "[b*T] current log-probs");
        Shapes.requireTokens("logp", logp.length, samples, tokens);
        if (oldLogp != null) {
            Shapes.requireTokens("oldLogp", oldLogp.length, samples, tokens);
        }
        if (refLogp != null) {
            Shapes.requireTokens("refLogp", refLogp.length, samples, tokens);
        }
        Shapes.requireNonNull("mask", mask, "[b*T] completion mask");
        Shapes.requireTokens("mask", mask.length, samples, tokens);
        Shapes.requireNonNull("advantages", advantages, "[b] advantages");
        Shapes.requireSamples("advantages", advantages.length, samples);
        if (truncated != null) {
            Shapes.requireSamples("truncated", truncated.length, samples);
        }
        for (int s = 0; s < samples; s++) {
            if (!Double.isFinite(advantages[s])) {
                throw new IllegalArgumentException(
                        "advantages[" + s + "] is " + advantages[s] + ", expected a finite number");
            }
        }
        if (weights != null) {
            Shapes.requireTokens("weights", weights.length, samples, tokens);
        }
        if (batchTokens < 0) {
            throw new IllegalArgumentException("batchTokens is " + batchTokens + ", expected N >= 0");
        }
    }
}
