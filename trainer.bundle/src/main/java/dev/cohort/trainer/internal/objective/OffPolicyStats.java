package dev.cohort.trainer.internal.objective;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The off-policy statistics of one generation batch under TRL's metric names:
 * {@code sampling/sampling_logp_difference/mean|max} (|old - sampling| over the counted tokens),
 * {@code sampling/importance_sampling_ratio/min|mean|max} (the ratios after truncation or
 * masking: per token in the token modes, per sample in the sequence modes, as TRL flattens them)
 * and two of Cohort's own: {@code sampling/importance_sampling_ratio/capped_fraction} (the
 * fraction of ratios above the cap, truncated or masked) and
 * {@code sampling/off_policy_mask/masked_fraction} (the fraction of samples the off-policy mask
 * dropped). Empty sets report 0, as TRL does.
 */
public final class OffPolicyStats {
    private long diffCount;
    private double diffSum;
    private double diffMax;
    private long ratioCount;
    private double ratioSum;
    private double ratioMin = Double.POSITIVE_INFINITY;
    private double ratioMax = Double.NEGATIVE_INFINITY;
    private long capped;
    private long sequences;
    private long dropped;

    void addLogpDifference(double absDiff) {
        diffCount++;
        diffSum += absDiff;
        diffMax = Math.max(diffMax, absDiff);
    }

    void addRatio(double r, boolean overCap) {
        ratioCount++;
        ratioSum += r;
        ratioMin = Math.min(ratioMin, r);
        ratioMax = Math.max(ratioMax, r);
        capped += overCap ? 1 : 0;
    }

    void addSequence(boolean wasDropped) {
        sequences++;
        dropped += wasDropped ? 1 : 0;
    }

    /** The metrics of what was added: the importance-sampling ones and/or the mask's, as computed. */
    public Map<String, Double> toMap() {
        Map<String, Double> m = new LinkedHashMap<>();
        if (ratioCount > 0 || diffCount > 0) {
            m.put("sampling/sampling_logp_difference/mean", diffCount == 0 ? 0 : diffSum / diffCount);
            m.put("sampling/sampling_logp_difference/max", diffMax);
            m.put("sampling/importance_sampling_ratio/min", ratioCount == 0 ? 0 : ratioMin);
            m.put("sampling/importance_sampling_ratio/mean", ratioCount == 0 ? 0 : ratioSum / ratioCount);
            m.put("sampling/importance_sampling_ratio/max", ratioCount == 0 ? 0 : ratioMax);
            m.put("sampling/importance_sampling_ratio/capped_fraction",
                    ratioCount == 0 ? 0 : capped / (double) ratioCount);
        }
        if (sequences > 0) {
            m.put("sampling/off_policy_mask/masked_fraction", dropped / (double) sequences);
        }
        return m;
    }
}
