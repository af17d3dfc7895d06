package dev.cohort.trainer.internal.objective;

/**
 * TRL's two off-policy corrections, computed over a micro-batch of b samples padded to T tokens
 * (row-major [b*T] arrays, {@code mask} true for the tokens the loss counts). Both produce
 * detached multipliers of the clipped surrogate; {@link GrpoLoss} takes their product as
 * {@link MicroBatch#weights()}.
 *
 * <p><b>Importance sampling</b> (TRL: {@code vllm_importance_sampling_correction}): with l_t =
 * m_t (old_t - sampling_t), old the trainer's log-probs under the weights that generated the
 * batch and sampling the engine's, the ratio is exp(l_t) per token, or exp(sum_t l_t) for every
 * token of the sample in the sequence modes. {@code *_truncate} replaces a ratio above the cap by
 * the cap, {@code *_mask} by 0.
 *
 * <p><b>Off-policy sequence mask</b> (TRL: {@code off_policy_mask_threshold}, DeepSeek-V3.2): a
 * sample is dropped (weight 0) when its advantage is negative and its mean token KL
 * sum_t m (sampling_t - logp_t) / max(1, sum_t m) exceeds the threshold; logp is the current
 * policy's.
 */
public final class OffPolicyCorrection {

    private OffPolicyCorrection() {
    }

    /**
     * Writes the importance-sampling ratio of every token into {@code ratio} [b*T] (padding gets
     * the sample's ratio or 1 and is never read) and adds its statistics to {@code stats}.
     */
    public static void importanceRatios(VllmImportanceSampling mode, double cap, int b, int t, double[] old,
            double[] sampling, boolean[] mask, double[] ratio, OffPolicyStats stats) {
        checkShapes(b, t, old, sampling, mask, ratio);
        for (int s = 0; s < b; s++) {
            double sum = 0;
            for (int i = s * t; i < (s + 1) * t; i++) {
                double l = mask[i] ? old[i] - sampling[i] : 0;
                sum += l;
                if (mask[i]) {
                    stats.addLogpDifference(Math.abs(l));
                }
                if (!mode.sequenceLevel()) {
                    ratio[i] = limit(Math.exp(l), mode, cap, stats, mask[i]);
                }
            }
            if (mode.sequenceLevel()) {
                double r = limit(Math.exp(sum), mode, cap, stats, true);
                java.util.Arrays.fill(ratio, s * t, (s + 1) * t, r);
            }
        }
    }

    /** The cap applied as the mode says; a counted ratio goes into the statistics. */
    private static double limit(double r, VllmImportanceSampling mode, double cap, OffPolicyStats stats,
            boolean counted) {
        boolean over = r > cap;
        double out = over ? (mode.masks() ? 0 : cap) : r;
        if (counted) {
            stats.addRatio(out, over);
        }
        return out;
    }

    /**
     * Multiplies each row s of {@code weights} [b*T] by 0 where the off-policy mask drops sample
     * s; counts the samples it sees and drops in {@code stats}.
     */
    public static void offPolicyMask(double threshold, int b, int t, double[] advantages, double[] logp,
            double[] sampling, boolean[] mask, double[] weights, OffPolicyStats stats) {
        checkShapes(b, t, logp, sampling, mask, weights);
        for (int s = 0; s < b; s++) {
            double kl = 0;
            int n = 0;
            for (int i = s * t; i < (s + 1) * t; i++) {
                if (mask[i]) {
                    kl += sampling[i] - logp[i];
                    n++;
                }
            }
            boolean keep = advantages[s] >= 0 || kl / Math.max(1, n) <= threshold;
            stats.addSequence(!keep);
            if (!keep) {
                java.util.Arrays.fill(weights, s * t, (s + 1) * t, 0);
            }
        }
    }

    private static void checkShapes(int b, int t, double[] a, double[] sampling, boolean[] mask, double[] out) {
        Shapes.requireShape(b, t);
        Shapes.requireTokens("oldLogp", a.length, b, t);
        Shapes.requireTokens("samplingLogp", sampling.length, b, t);
        Shapes.requireTokens("mask", mask.length, b, t);
        Shapes.requireTokens("weights", out.length, b, t);
    }
}
